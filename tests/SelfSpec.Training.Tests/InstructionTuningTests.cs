using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Data;
using SelfSpec.Training.Logging;
using SelfSpec.Llm.Prompting;

namespace SelfSpec.Training.Tests;

/// <summary>End to end on instruction rows: Alpaca formatting, loss falling, and the saved adapter changing generations.</summary>
public sealed class InstructionTuningTests
{
    /// <summary>A character-level tokenizer over the tiny model's 320 ids (BOS 1, EOS 2, ASCII at 100 + code − 32).</summary>
    private sealed class CharTokenizer : ITokenizer
    {
        public IReadOnlyList<int> Encode(string text, bool addBos = true) =>
            (addBos ? new[] { 1 } : []).Concat(text.Select(c => c is >= ' ' and <= '~' ? 100 + c - ' ' : c == '\n' ? 3 : 4)).ToArray();

        public string Decode(IReadOnlyList<int> ids) =>
            new(ids.Where(i => i >= 100 && i < 195).Select(i => (char)(i - 100 + ' ')).ToArray());

        public int? EosTokenId => 2;
    }

    [Fact]
    public void AlpacaEncodingMasksThePromptAndEndsWithEos()
    {
        var encoder = new InstructionExampleEncoder(new CharTokenizer(), maxLength: 1000);
        var e = encoder.Encode("Say hi", "", "hi");
        var prompt = AlpacaTemplate.Format("Say hi", "");
        Assert.StartsWith("Below is an instruction that describes a task. Write", prompt);
        Assert.EndsWith("### Instruction:\nSay hi\n\n### Response:", prompt);
        Assert.Equal(1 + prompt.Length + 2 + 1, e.Length);
        Assert.All(e.Labels.Take(1 + prompt.Length), l => Assert.Equal(TrainingExample.IgnoreIndex, l));
        Assert.Equal(new[] { 100 + 'h' - ' ', 100 + 'i' - ' ', 2 }, e.Labels.Skip(1 + prompt.Length));
        Assert.Contains("### Input:\n \n\n", AlpacaTemplate.Format("x", " ")); // whitespace input counts as input
        Assert.Equal(10, encoder.Encode("Say hi", "", "hi").Truncate(10).Length);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void TrainingLossAndHeldOutLossFallAndTheSavedAdapterChangesGenerations()
    {
        using var dir = new TempDir();
        var colours = new[] { "red", "blue", "green", "black", "white", "pink", "grey", "gold", "teal", "navy", "plum", "rose", "jade", "ruby", "sand", "mint" };
        var rows = colours.Select(c => $"{{\"instruction\":\"Name it.\",\"input\":\"{c}\",\"output\":\"It is {c}.\"}}").ToArray();
        var data = dir.Combine("train.jsonl");
        File.WriteAllLines(data, rows);
        var examples = TrainingDataset.Load(data, new CharTokenizer(), maxLength: 256, vocabSize: 320);
        var (train, heldOut) = TrainingDataset.Split(examples, 0.25, seed: 1);
        Assert.Equal(4, heldOut.Count);

        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 8, Alpha = 16 }, seed: 3);
        var trainer = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 4, Epochs = 6, LearningRate = 1e-2, Seed = 3 });
        var result = trainer.Train(train, heldOut, dir.Combine("out"));

        var log = new ParquetTrainingLog().Read(result.LogPath).Where(e => e.Loss != null).ToList();
        var firstEpoch = log.Where(e => e.Epoch == 1).Average(e => e.Loss!.Value);
        var lastEpoch = log.Where(e => e.Epoch == 6).Average(e => e.Loss!.Value);
        Assert.True(lastEpoch < 0.5 * firstEpoch, $"training loss {firstEpoch:F3} → {lastEpoch:F3}");
        Assert.True(result.EvalLosses[^1] < 0.75 * result.EvalLosses[0], $"held-out loss {string.Join(", ", result.EvalLosses.Select(x => x.ToString("F3")))}");

        // The engine loads the saved PEFT adapter and greedy generation changes towards the taught answer.
        using var saved = LoraAdapter.Load(dir.Combine("out"), model.Config, DType.Float32);
        var prompt = new CharTokenizer().Encode(AlpacaTemplate.Format("Name it.", "cyan"));
        var baseText = new CharTokenizer().Decode(Greedy(model, null, prompt, 6));
        var tunedText = new CharTokenizer().Decode(Greedy(model, saved, prompt, 6));
        Assert.NotEqual(baseText, tunedText);
        Assert.StartsWith("It is", tunedText);
    }

    private static int[] Greedy(LlamaModel model, LoraAdapter? adapter, IReadOnlyList<int> prompt, int steps)
    {
        using var noGrad = new NoGrad();
        var ids = prompt.ToList();
        var generated = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            using var scope = DisposeScope.Begin();
            var input = Tensor.From<long>(ids.Select(x => (long)x).ToArray(), [1, ids.Count]);
            var next = (int)model.Forward(input, adapter: adapter, lastPositionOnly: true).ArgMax().ItemLong();
            ids.Add(next);
            generated.Add(next);
        }
        return generated.ToArray();
    }
}
