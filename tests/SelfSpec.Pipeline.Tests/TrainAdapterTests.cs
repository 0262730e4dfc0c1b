using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Torch;
using SelfSpec.Training;
using SelfSpec.Training.Data;
using SelfSpec.Training.Quantization;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The tiny fixture Llama with a tokenizer, and an sft.parquet of ten demo seeds, shared by the TrainAdapter tests.</summary>
public sealed class TrainAdapterFixture : IDisposable
{
    public TrainAdapterFixture()
    {
        ModelDirectory = TinyLlamaModel.Create(Dir.Combine("model"));
        var seeds = File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl")).Take(10)
            .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        SftPath = Dir.Combine("sft.parquet");
        ParquetSerializer.Write(SftPath, seeds.Select((s, i) => new SftRow($"inst-{i + 1:000000}", s["instruction"]!.ToString(), s["input"]!.ToString(),
            s["output"]!.ToString(), [], -1.0)));
    }

    public TempDir Dir { get; } = new("selfspec-train-adapter-");

    public string ModelDirectory { get; }

    public string SftPath { get; }

    public const int Rows = 10;

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// TrainAdapter run through the real workflow runtime on the tiny model: the adapter it writes against the trainer called
/// directly with the same settings, the log read back by DuckDB, and Ctrl-C + resume continuing from the checkpoint.
/// </summary>
public sealed class TrainAdapterTests(TrainAdapterFixture fixture) : IClassFixture<TrainAdapterFixture>
{
    private (string Name, InputValue Value)[] Inputs(bool qlora, int batch, int micro, int epochs, int seed) =>
    [
        ("model", Lit(fixture.ModelDirectory, "String")), ("sft", ArtifactInput(fixture.SftPath)), ("qlora", Lit(qlora)),
        ("batchSize", Lit(batch)), ("microBatchSize", Lit(micro)), ("epochs", Lit(epochs)), ("randomSeed", Lit(seed)),
    ];

    private static readonly string[] OutputNames = ["adapterPath", "trainingLog", "steps", "finalLoss", "exampleCount"];

    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Trains_the_adapter_and_log_that_the_trainer_called_directly_gives(bool qlora)
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(("train", "SelfSpec.TrainAdapter", Inputs(qlora, batch: 4, micro: 2, epochs: 2, seed: 7), OutputNames));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

        // steps = ceil(10 / 4) × 2 epochs
        var outputs = Outputs(result, "train");
        Assert.Equal(3 * 2, outputs["steps"]!.GetValue<long>());
        Assert.Equal(TrainAdapterFixture.Rows, outputs["exampleCount"]!.GetValue<int>());
        var adapterPath = outputs["adapterPath"]!.ToString();
        Assert.Equal(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, "train", "adapter"), adapterPath);
        Assert.Equal([LoraConfig.FileName, LoraAdapter.WeightsFileName], Directory.GetFiles(adapterPath).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var artifacts = JsonNode.Parse(result.Records.Single().ArtifactsJson)!.AsArray().Select(a => a!["path"]!.ToString()).ToList();
        Assert.Contains(Path.Combine(adapterPath, LoraAdapter.WeightsFileName), artifacts);
        Assert.Contains(Path.Combine(adapterPath, LoraConfig.FileName), artifacts);
        Assert.False(Directory.Exists(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, ".resume")), "the checkpoints were not cleaned up");

        // training_log.parquet, read by DuckDB: one row per step, epochs 1,1,1,2,2,2, the pipeline's footer
        var logPath = ArtifactPath(result, "train", "trainingLog");
        var doc = DuckDb.Inspect(logPath);
        Assert.Equal(["step", "epoch", "loss", "lr", "grad_norm", "tokens_per_second", "eval_loss"], DuckDb.ColumnNames(doc));
        var rows = DuckDb.Rows(doc);
        Assert.Equal(Enumerable.Range(1, 6), rows.Select(r => int.Parse(r["step"]!.ToString())));
        Assert.Equal([1, 1, 1, 2, 2, 2], rows.Select(r => r["epoch"]!.GetValue<int>()));
        Assert.All(rows, r => Assert.Equal(3e-4, r["lr"]!.GetValue<double>(), 12));
        Assert.Equal(rows[^1]["loss"]!.GetValue<double>(), outputs["finalLoss"]!.GetValue<double>(), 12);
        var kv = DuckDb.KeyValues(doc);
        Assert.Equal("SelfSpec.TrainAdapter", kv[ArtifactMetadata.ActivityKey]);
        // parquet-inspect shows the first 200 characters of a footer value
        Assert.StartsWith($"{{\"qlora\":{(qlora ? "true" : "false")},\"rank\":8,\"alpha\":16,\"dropout\":0.05,", kv[ArtifactMetadata.ParametersKey]);

        // The same run wired by hand from the Training and Llm APIs.
        using var direct = new TempDir("selfspec-train-direct-");
        using (var model = LlamaModel.Load(fixture.ModelDirectory))
        {
            if (qlora) QLoraQuantizer.Quantize(model, doubleQuantize: true);
            var examples = TrainingDataset.Load(fixture.SftPath, HuggingFaceTokenizer.TryLoad(fixture.ModelDirectory), 512, model.Config.VocabSize);
            using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.05 }, seed: 7);
            var trained = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 4, MicroBatchSize = 2, Epochs = 2, LearningRate = 3e-4, Seed = 7 })
                .Train(examples, null, direct.FullPath);
            Assert.Equal(trained.FinalLoss, outputs["finalLoss"]!.GetValue<double>(), 9);
        }
        AssertSameTensors(Path.Combine(direct.FullPath, LoraAdapter.WeightsFileName), Path.Combine(adapterPath, LoraAdapter.WeightsFileName), 1e-6);
        var config = LoraConfig.Load(adapterPath);
        Assert.Equal((8, 16.0, 0.05), (config.Rank, config.Alpha, config.Dropout));
        Assert.Equal(7, config.TargetModules.Count); // every linear projection

        // The engine loads the adapter and it changes the logits.
        using var plain = LlamaModel.Load(fixture.ModelDirectory);
        using var loaded = LoraAdapter.Load(adapterPath, plain.Config, DType.Float32);
        var ids = HuggingFaceTokenizer.TryLoad(fixture.ModelDirectory)!.Encode("Which gene is mutated in cystic fibrosis?", addBos: true);
        Assert.True(MaxLogitDifference(plain, loaded, ids) > 1e-4);
    }

    [Fact]
    public async Task Cancelled_training_resumes_from_its_checkpoint_to_the_uninterrupted_result()
    {
        using var host = new PipelineHost();
        var definition = Chain(("train", "SelfSpec.TrainAdapter", Inputs(qlora: false, batch: 2, micro: 1, epochs: 2, seed: 11), OutputNames));
        using var cts = new CancellationTokenSource();
        var events = new CancelAtStep(3, cts);
        var cancelled = await host.Runtime.RunAsync(definition, new WorkflowRunOptions { Events = events }, cts.Token);
        Assert.Equal(WorkflowStatus.Cancelled, cancelled.Status);
        // the checkpoint of step 3 is kept outside the discarded attempt folder
        var resumeRoot = Path.Combine(host.Dir.FullPath, "runs", cancelled.InstanceId, ".resume", "train");
        Assert.Single(Directory.GetDirectories(resumeRoot, "checkpoint-3", SearchOption.AllDirectories));

        var resumed = await host.Runtime.ResumeAsync(cancelled.InstanceId);
        Assert.True(resumed.Status == WorkflowStatus.Finished, resumed.Error + string.Join("\n", resumed.Records.Select(r => r.Error)));
        var completed = resumed.Records.Single(r => r.ActivityId == "train" && r.Status == ActivityStatus.Completed);
        var outputs = JsonNode.Parse(completed.OutputsJson)!.AsObject();
        Assert.Equal(5 * 2, outputs["steps"]!.GetValue<long>());
        var rows = DuckDb.Rows(DuckDb.Inspect(outputs["trainingLog"]!["path"]!.ToString()));
        Assert.Equal(Enumerable.Range(1, 10), rows.Select(r => int.Parse(r["step"]!.ToString()))); // steps 1–3 from before the cancel, 4–10 after

        using var direct = new TempDir("selfspec-train-direct-");
        using (var model = LlamaModel.Load(fixture.ModelDirectory))
        {
            var examples = TrainingDataset.Load(fixture.SftPath, HuggingFaceTokenizer.TryLoad(fixture.ModelDirectory), 512, model.Config.VocabSize);
            using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.05 }, seed: 11);
            new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 2, MicroBatchSize = 1, Epochs = 2, LearningRate = 3e-4, Seed = 11 })
                .Train(examples, null, direct.FullPath);
        }
        AssertSameTensors(Path.Combine(direct.FullPath, LoraAdapter.WeightsFileName),
            Path.Combine(outputs["adapterPath"]!.ToString(), LoraAdapter.WeightsFileName), 1e-6);
        Assert.False(Directory.Exists(Path.Combine(host.Dir.FullPath, "runs", cancelled.InstanceId, ".resume")), "the checkpoints were not cleaned up");
    }

    [Fact]
    public async Task A_bad_input_fails_naming_the_field()
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(("train", "SelfSpec.TrainAdapter",
            [("model", Lit(fixture.ModelDirectory, "String")), ("sft", ArtifactInput(fixture.SftPath)), ("rank", Lit(0))], OutputNames));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("field 'rank'", result.Records.Single().Error);
    }

    private static void AssertSameTensors(string expectedPath, string actualPath, double tolerance)
    {
        using var expected = SafetensorsFile.Open(expectedPath);
        using var actual = SafetensorsFile.Open(actualPath);
        Assert.Equal(expected.Names.Order(StringComparer.Ordinal), actual.Names.Order(StringComparer.Ordinal));
        Assert.NotEmpty(expected.Names);
        foreach (var name in expected.Names)
        {
            using var scope = DisposeScope.Begin();
            var difference = expected.Load(name).To(DType.Float64).Sub(actual.Load(name).To(DType.Float64)).Abs().Max().ItemDouble();
            Assert.True(difference <= tolerance, $"{name}: max |Δ| = {difference}");
        }
    }

    private static double MaxLogitDifference(LlamaModel model, LoraAdapter adapter, IReadOnlyList<int> ids)
    {
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        var input = Tensor.From<long>(ids.Select(x => (long)x).ToArray(), [1, ids.Count]);
        return model.Forward(input).Sub(model.Forward(input, adapter: adapter)).Abs().Max().ItemDouble();
    }

    /// <summary>Cancels the run when the training activity reports the given step (reports arrive synchronously).</summary>
    private sealed class CancelAtStep(int step, CancellationTokenSource cts) : IProgress<WorkflowEvent>
    {
        public void Report(WorkflowEvent value)
        {
            if (value is ActivityProgressed { ActivityId: "train" } p && p.Progress.Completed >= step && !cts.IsCancellationRequested) cts.Cancel();
        }
    }
}
