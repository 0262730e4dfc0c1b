using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Checkpointing;

namespace SelfSpec.Training.Tests;

/// <summary><c>selfspec train</c> as a real child process: the fixture step, kill-and-resume, Ctrl-C.</summary>
[Collection("selfspec CLI")]
[Trait(Category.Name, Category.Slow)]
public sealed class CliTests
{
    private static readonly string ModelDir = Fixtures.Model;

    private static string[] TrainArgs(string data, string output, params string[] extra) =>
        ["train", "--model", ModelDir, "--data", data, "--out", output, .. extra];

    private static float[] AdapterValues(string dir)
    {
        using var model = LlamaModel.Load(ModelDir);
        using var adapter = LoraAdapter.Load(dir, model.Config, DType.Float32);
        return adapter.Parameters.SelectMany(t => t.ToArray<float>()).ToArray();
    }

    [Fact]
    public void OneStepFromTinyLoraOnPreTokenisedRowsGivesTheReferenceAdapter()
    {
        using var dir = new TempDir();
        var data = dir.Combine("rows.jsonl");
        Fixtures.WriteJsonl(data, Fixtures.LabelledRows());
        var (code, output) = CliProcess.Run(TrainArgs(data, dir.Combine("out"), "--adapter-init", Fixtures.Adapter, "--max-steps", "1", "--no-shuffle", "--batch-size", "2"));
        Assert.True(code == 0, output);
        using var model = LlamaModel.Load(ModelDir);
        using var saved = LoraAdapter.Load(dir.Combine("out"), model.Config, DType.Float32);
        LoraGradientTests.AssertAdapterEquals(saved, "lora_after_adamw_step.safetensors");
        Assert.True(File.Exists(dir.Combine("out", "adapter_config.json")));
        Assert.True(File.Exists(dir.Combine("out", "training_log.jsonl")));
        // the log data engineers open: training_log.parquet, read by DuckDB
        var log = DuckDb.Inspect(dir.Combine("out", "training_log.parquet"));
        Assert.Equal(["step", "epoch", "loss", "lr", "grad_norm", "tokens_per_second", "eval_loss"], DuckDb.ColumnNames(log));
        Assert.Equal("1", DuckDb.Rows(log).Last()["step"]!.ToString()); // 64-bit integers come back as strings
    }

    [Fact]
    public void KilledWithSigkillAndResumedGivesTheUninterruptedAdapter()
    {
        using var dir = new TempDir();
        var data = dir.Combine("rows.jsonl");
        Fixtures.WriteJsonl(data, Fixtures.RandomRows(240, seed: 21, minLength: 8, maxLength: 40));
        string[] common = ["--batch-size", "4", "--micro-batch-size", "2", "--epochs", "2", "--lr", "2e-3", "--save-steps", "5", "--seed", "5", "--lora-dropout", "0.1"];

        var (code, output) = CliProcess.Run(TrainArgs(data, dir.Combine("straight"), common));
        Assert.True(code == 0, output);

        var interruptedDir = dir.Combine("interrupted");
        using (var run = CliProcess.Start(TrainArgs(data, interruptedDir, common)))
        {
            Assert.True(run.WaitForLine(l => l.StartsWith("step 23/", StringComparison.Ordinal), TimeSpan.FromMinutes(5)), run.Output);
            run.KillHard();
            run.WaitForExit(TimeSpan.FromMinutes(1));
        }
        Assert.False(File.Exists(Path.Combine(interruptedDir, LoraAdapter.WeightsFileName)), "the run finished before it was killed");
        var lastCheckpoint = TrainingCheckpoint.List(interruptedDir)[^1].Step;
        Assert.InRange(lastCheckpoint, 20, 115);

        var (resumeCode, resumeOutput) = CliProcess.Run(TrainArgs(data, interruptedDir, [.. common, "--resume"]));
        Assert.True(resumeCode == 0, resumeOutput);
        Assert.Equal(AdapterValues(dir.Combine("straight")), AdapterValues(interruptedDir));
        var log = new Logging.JsonlTrainingLog().Read(Path.Combine(interruptedDir, "training_log.jsonl"));
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), log.Where(e => e.Loss != null).Select(e => e.Step));
    }

    [Fact]
    public void CtrlCSavesACheckpointAndExitsWith130()
    {
        using var dir = new TempDir();
        var data = dir.Combine("rows.jsonl");
        Fixtures.WriteJsonl(data, Fixtures.RandomRows(400, seed: 22, minLength: 8, maxLength: 40));
        var output = dir.Combine("out");
        using var run = CliProcess.Start(TrainArgs(data, output, "--batch-size", "4", "--epochs", "1"));
        Assert.True(run.WaitForLine(l => l.StartsWith("step 7/", StringComparison.Ordinal), TimeSpan.FromMinutes(5)), run.Output);
        run.Interrupt();
        var code = run.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(code == 130, run.Output);
        var checkpoint = Assert.Single(TrainingCheckpoint.List(output));
        Assert.InRange(checkpoint.Step, 7, 99);
        var state = TrainingCheckpoint.ReadState(checkpoint.Directory);
        Assert.Equal(checkpoint.Step, state.GlobalStep);
        Assert.Contains("--resume", run.Output);
    }

    [Fact]
    public void BadDataFailsWithOneLineNamingTheRow()
    {
        using var dir = new TempDir();
        var data = dir.Combine("bad.jsonl");
        File.WriteAllLines(data, ["{\"input_ids\": [1, 2, 3]}", "{\"input_ids\": [1, 999]}"]);
        var (code, output) = CliProcess.Run(TrainArgs(data, dir.Combine("out")));
        Assert.Equal(1, code);
        Assert.Contains("row 2", output);
        Assert.Contains("input_ids", output);
    }
}
