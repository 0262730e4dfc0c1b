using System.Text.Json;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Training.Data;

namespace SelfSpec.Training.Tests;

/// <summary>The wiring shared by <c>selfspec train</c> and the pipeline's TrainAdapter, on the tiny model with a tokenizer.</summary>
public sealed class AdapterTrainingSessionTests
{
    [Fact]
    public void Opens_what_the_setup_names_quantised_split_and_tokenised_as_the_apis_do_by_hand()
    {
        using var dir = new TempDir();
        var model = TinyLlamaModel.Create(dir.Combine("model"));
        var data = dir.Combine("train.jsonl");
        File.WriteAllLines(data, File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl")).Take(20)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(o => JsonSerializer.Serialize(new { instruction = o.GetProperty("instruction").GetString(), input = o.GetProperty("input").GetString(), output = o.GetProperty("output").GetString() })));

        using var session = AdapterTrainingSession.Open(new AdapterTrainingSetup
        {
            ModelDirectory = model, DataPath = data, QLora = true, EvalFraction = 0.25, MaxLength = 96,
            Options = new TrainingOptions { Seed = 5 },
        });

        // QLoRA: every projection of both layers in NF4
        Assert.Equal(2 * LlamaProjections.All.Count, session.Quantization!.Projections);
        Assert.All(session.Model.Layers, layer => Assert.All(LlamaProjections.All, p => Assert.NotNull(layer[p].Packed)));
        // paper defaults: r 8, alpha 16 on the seven projections, and the base model recorded for PEFT
        Assert.Equal((8, 16.0), (session.Adapter.Config.Rank, session.Adapter.Config.Alpha));
        Assert.Equal(LlamaProjections.All.Select(p => p.ModuleName()), session.Adapter.Config.TargetModules);
        Assert.Equal(model, session.Adapter.Config.BaseModel);

        // the data: the model's tokenizer, the Alpaca encoding, the seeded split
        var examples = TrainingDataset.Load(data, HuggingFaceTokenizer.TryLoad(model), 96, 320);
        var (train, heldOut) = TrainingDataset.Split(examples, 0.25, seed: 5);
        Assert.Equal(train.Select(e => e.InputIds), session.TrainExamples.Select(e => e.InputIds));
        Assert.Equal(heldOut.Select(e => e.Labels), session.HeldOutExamples!.Select(e => e.Labels));
        Assert.Equal((15, 5), (session.TrainExamples.Count, session.HeldOutExamples!.Count));

        // a fresh adapter: B = 0, so the adapter starts as a no-op
        using var scope = SelfSpec.Torch.DisposeScope.Begin();
        Assert.All(session.Adapter.Pairs.Values, pair => Assert.Equal(0.0, pair.B.Abs().Max().ItemDouble()));
    }

    [Fact]
    public void A_missing_data_file_is_a_training_data_error_naming_it()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<TrainingDataException>(() => AdapterTrainingSession.Open(new AdapterTrainingSetup
        {
            ModelDirectory = Fixtures.Model, DataPath = dir.Combine("missing.jsonl"),
        }));
        Assert.Contains("missing.jsonl", e.Message);
    }
}
