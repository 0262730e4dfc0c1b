using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Pretraining;

namespace SelfSpec.Training.Tests;

/// <summary>Full-weight causal-LM training from scratch (<see cref="CausalLmPretrainer"/>), checked against plain PyTorch.</summary>
public sealed class PretrainerTests
{
    private static LlamaConfig TinyConfig() => new()
    {
        VocabSize = 64,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumLayers = 2,
        NumHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        RmsNormEps = 1e-5,
        MaxPositions = 64,
        TieWordEmbeddings = true,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    private static string ReferenceScript => Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.TestSupport", "python", "llama_reference.py");

    [Fact]
    public void PackingCutsTheShuffledStreamIntoFullWindowsAndIsSeeded()
    {
        IReadOnlyList<int>[] docs = [[1, 10, 11, 2], [1, 20, 21, 22, 23, 2], [1, 30, 2], [1, 40, 41, 42, 2]];
        var packer = new TokenWindowPacker(docs, 5, seed: 3);
        Assert.Equal(18, packer.TotalTokens);
        Assert.Equal(3, packer.WindowsPerEpoch);
        var epoch0 = packer.Epoch(0).ToList();
        Assert.Equal(3, epoch0.Count);
        Assert.All(epoch0, w => Assert.Equal(5, w.Length));
        // The windows are a prefix of some order of the documents, concatenated.
        var flat = epoch0.SelectMany(w => w).ToArray();
        var orders = Permutations(Enumerable.Range(0, docs.Length).ToArray()).Select(o => o.SelectMany(i => docs[i]).Take(15).ToArray());
        Assert.Contains(orders, o => o.SequenceEqual(flat));
        Assert.Equal(epoch0, new TokenWindowPacker(docs, 5, seed: 3).Epoch(0).ToList());
        Assert.Equal(packer.Windows().Take(6), epoch0.Concat(packer.Epoch(1)));
        Assert.Throws<ArgumentException>(() => new TokenWindowPacker([[1, 2]], 5, 0));
    }

    [Fact]
    public void PackingLabelsContextTokensAsIgnoredAcrossWindowBoundaries()
    {
        IReadOnlyList<int>[] docs = [[5, 10, 11, 12, 13, 2], [6, 20, 21, 2], [7, 30, 31, 32, 2]];
        int[] context = [4, 0, 2];
        var packer = new TokenWindowPacker(docs, 4, seed: 9, contextLengths: context);
        var windows = packer.LabelledEpoch(0).ToList();
        Assert.Equal(packer.Epoch(0).ToList(), windows.Select(w => w.Ids).ToList());
        // Walk the stream back into documents: every document's first context tokens, and only those, are −100.
        var ids = windows.SelectMany(w => w.Ids).ToArray();
        var labels = windows.SelectMany(w => w.Labels).ToArray();
        var expected = new List<int>();
        var pos = 0;
        while (pos < ids.Length)
        {
            var d = Array.FindIndex(docs, doc => doc[0] == ids[pos]);
            for (var i = 0; i < docs[d].Count && pos < ids.Length; i++, pos++) expected.Add(i < context[d] ? -100 : docs[d][i]);
        }
        Assert.Equal(expected, labels);
        Assert.Contains(-100, labels);
        Assert.Throws<ArgumentException>(() => new TokenWindowPacker(docs, 4, 0, [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenWindowPacker(docs, 4, 0, [7, 0, 0]));
    }

    [Fact]
    public void LossFallsOnATinyCorpus()
    {
        using var model = LlamaModel.CreateRandom(TinyConfig(), 5);
        var random = new Random(1);
        // Documents following simple rules (counting up from a random start), which a small model picks up quickly.
        var docs = Enumerable.Range(0, 64).Select(_ =>
        {
            var start = random.Next(3, 40);
            return (IReadOnlyList<int>)new[] { 1 }.Concat(Enumerable.Range(start, 20)).Append(2).ToArray();
        }).ToList();
        PretrainingResult result;
        using (var trainer = new CausalLmPretrainer(model, new PretrainingOptions { Steps = 60, BatchSize = 4, SequenceLength = 32, LearningRate = 1e-2, WarmupSteps = 5 }))
            result = trainer.Train(docs);
        Assert.Equal(60, result.Steps);
        Assert.Equal(60, result.Log.Count);
        var first = result.Log.Take(5).Average(e => e.Loss);
        var last = result.Log.TakeLast(5).Average(e => e.Loss);
        Assert.True(first > 3.5, $"a fresh model should be near ln(64) = 4.16, got {first:F3}");
        Assert.True(last < first - 2, $"loss {first:F3} → {last:F3}");
        // Disposing the trainer froze the weights again.
        Assert.All(model.NamedWeights(), kv => Assert.False(kv.Value.RequiresGrad, kv.Key));
    }

    [Fact]
    public void CancellationStopsBetweenSteps()
    {
        using var model = LlamaModel.CreateRandom(TinyConfig(), 5);
        using var trainer = new CausalLmPretrainer(model, new PretrainingOptions { Steps = 1000, BatchSize = 1, SequenceLength = 8 });
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var progress = new Relay(p =>
        {
            seen = (int)p.Step;
            if (p.Step == 3) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train([[1, 5, 6, 7, 8, 9, 10, 11, 12, 2]], progress, cts.Token));
        Assert.Equal(3, seen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThreeAdamWStepsMatchPlainPyTorch(bool withContextTokens)
    {
        using var dir = new TempDir("selfspec-pretrain-ref-");
        var init = dir.Combine("init");
        using var model = LlamaModel.CreateRandom(TinyConfig(), 21);
        LlamaCheckpointWriter.Save(model, init);

        var options = new PretrainingOptions { Steps = 3, WarmupSteps = 1, LearningRate = 1e-2, WeightDecay = 0.1, MaxGradNorm = 0.5, Beta2 = 0.95 };
        var random = new Random(4);
        var batches = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 12).Select(_ => (long)random.Next(64)).ToArray()).ToArray()).ToArray();
        // With context tokens: the first 5 positions of every row are a prompt (label −100), as the packer labels them.
        var labels = withContextTokens ? batches.Select(b => b.Select(r => r.Select((id, i) => i < 5 ? TokenWindowPacker.IgnoredLabel : id).ToArray()).ToArray()).ToArray() : null;
        var rates = Enumerable.Range(0, 3).Select(options.LearningRateAt).ToArray();
        Assert.Equal(0, rates[0]); // warm-up starts at 0, as Hugging Face's schedules do
        var ours = new List<(double Loss, double GradNorm)>();
        using (var trainer = new CausalLmPretrainer(model, options))
            for (var s = 0; s < 3; s++)
            {
                using var ids = Tensor.From<long>(batches[s].SelectMany(r => r).ToArray(), [2, 12]);
                using var target = labels is null ? null : Tensor.From<long>(labels[s].SelectMany(r => r).ToArray(), [2, 12]);
                ours.Add(target is null ? trainer.Step(ids, rates[s]) : trainer.Step(ids, target, rates[s]));
            }

        var request = dir.Combine("request.json");
        File.WriteAllText(request, JsonSerializer.Serialize(new
        {
            batches,
            labels,
            lr = rates,
            beta1 = options.Beta1,
            beta2 = options.Beta2,
            eps = options.Epsilon,
            weight_decay = options.WeightDecay,
            max_grad_norm = options.MaxGradNorm,
        }));
        var output = dir.Combine("reference.safetensors");
        var run = ChildProcess.Run(ExternalReference.RequirePython("torch", debianPackage: "python3-torch"), [ReferenceScript, "train", init, request, output], timeout: TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());

        using var reference = SafetensorsFile.Open(output);
        using (var losses = reference.Load("losses"))
        using (var norms = reference.Load("grad_norms"))
        {
            var l = losses.ToArray<double>();
            var n = norms.ToArray<double>();
            for (var s = 0; s < 3; s++)
            {
                Assert.True(Math.Abs(ours[s].Loss - l[s]) < 1e-5, $"step {s + 1} loss: ours {ours[s].Loss:R}, PyTorch {l[s]:R}");
                Assert.True(Math.Abs(ours[s].GradNorm - n[s]) < 1e-4 * n[s], $"step {s + 1} grad norm: ours {ours[s].GradNorm:R}, PyTorch {n[s]:R}");
            }
            Assert.True(n[0] > options.MaxGradNorm, "the first gradient should be clipped, so clipping is exercised");
        }
        using var start = SafetensorsFile.Open(Path.Combine(init, "model.safetensors"));
        foreach (var (name, weight) in model.NamedWeights())
        {
            using var want = reference.Load(name);
            using var before = start.Load(name);
            using var moved = want.Sub(before).Abs().Max();
            using var diff = weight.Sub(want).Abs().Max();
            // Two real steps of Adam move every weight by about lr; the implementations agree far more closely.
            Assert.True(moved.ItemDouble() > 5e-3, $"{name} barely moved in the reference ({moved.ItemDouble():E2})");
            Assert.True(diff.ItemDouble() < 2e-5, $"{name}: max |ours - PyTorch| = {diff.ItemDouble():E3}");
        }
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1) { yield return items; yield break; }
        for (var i = 0; i < items.Length; i++)
            foreach (var rest in Permutations(items.Where((_, j) => j != i).ToArray()))
                yield return [items[i], .. rest];
    }

    private sealed class Relay(Action<PretrainingProgress> action) : IProgress<PretrainingProgress>
    {
        public void Report(PretrainingProgress value) => action(value);
    }
}
