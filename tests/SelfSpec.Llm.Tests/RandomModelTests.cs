using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// Models made from scratch (<see cref="LlamaModel.CreateRandom"/>) and saved as Hugging Face folders
/// (<see cref="LlamaCheckpointWriter"/>): reloaded by our loader, and read and run independently by plain PyTorch.
/// </summary>
public sealed class RandomModelTests
{
    /// <summary>A small GQA configuration with tied embeddings, like the bootstrap model's.</summary>
    internal static LlamaConfig SmallConfig(bool tied = true) => new()
    {
        VocabSize = 96,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumLayers = 2,
        NumHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        RmsNormEps = 1e-5,
        MaxPositions = 128,
        TieWordEmbeddings = tied,
        BosTokenId = 1,
        EosTokenIds = [2],
        PadTokenId = 0,
    };

    private static readonly long[] Ids = [1, 5, 17, 33, 90, 2, 44, 8, 8, 61, 1, 70, 12, 3, 95, 40, 1, 9, 18, 27, 36, 45, 54, 63];

    [Fact]
    public void RandomInitialisationIsSeededAndFollowsHuggingFace()
    {
        using var a = LlamaModel.CreateRandom(SmallConfig(), 7);
        using var b = LlamaModel.CreateRandom(SmallConfig(), 7);
        using var c = LlamaModel.CreateRandom(SmallConfig(), 8);
        var wa = a.NamedWeights();
        Assert.Equal(LlamaModel.ExpectedShapes(a.Config).Keys.Order(), wa.Select(kv => kv.Key).Order());
        Assert.Equal(wa.Sum(kv => kv.Value.NumElements), a.ParameterCount);
        Assert.Equal(wa.Select(kv => kv.Value.ToArray<float>()), b.NamedWeights().Select(kv => kv.Value.ToArray<float>()));
        Assert.NotEqual(wa[0].Value.ToArray<float>(), c.NamedWeights()[0].Value.ToArray<float>());
        foreach (var (name, t) in wa)
        {
            var values = t.ToArray<float>();
            if (t.Dim == 1)
            {
                Assert.All(values, v => Assert.Equal(1f, v)); // RMSNorm weights start at one
                continue;
            }
            var mean = values.Average(v => (double)v);
            var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.True(Math.Abs(mean) < 0.004 && Math.Abs(std - 0.02) < 0.003, $"{name}: mean {mean:F4}, std {std:F4}");
        }
        Assert.Same(a.Embedding, a.NamedWeights()[0].Value);
    }

    [Fact]
    public void ConfigJsonRoundTripsThroughTheLoader()
    {
        var config = SmallConfig() with { Rope = new RopeScaling(500000, RopeScalingKind.Llama3, 8, 1, 4, 8192) };
        var parsed = LlamaConfig.Parse(JsonNode.Parse(config.ToJson().ToJsonString())!.AsObject(), "config.json");
        Assert.Equal(config with { EosTokenIds = [] }, parsed with { EosTokenIds = [] });
        Assert.Equal(config.EosTokenIds, parsed.EosTokenIds);
        Assert.Equal("LlamaForCausalLM", config.ToJson()["architectures"]![0]!.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SavedModelReloadsWithTheSameLogits(bool tied)
    {
        using var dir = new TempDir("selfspec-llm-save-");
        using var model = LlamaModel.CreateRandom(SmallConfig(tied), 3);
        var files = LlamaCheckpointWriter.Save(model, dir.FullPath);
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors"], files.Select(Path.GetFileName).Order());
        using (var st = SafetensorsFile.Open(dir.Combine("model.safetensors")))
            Assert.Equal(!tied, st.Contains("lm_head.weight"));
        var generation = JsonNode.Parse(File.ReadAllText(dir.Combine("generation_config.json")))!;
        Assert.Equal(2, generation["eos_token_id"]!.GetValue<int>());

        using var loaded = LlamaModel.Load(dir.FullPath);
        Assert.Equal(model.ParameterCount, loaded.ParameterCount);
        using var ids = Tensor.From<long>(Ids, [2, Ids.Length / 2]);
        using var noGrad = new NoGrad();
        using var expected = model.Forward(ids);
        using var actual = loaded.Forward(ids);
        Assert.Equal(0.0, Fixtures.MaxAbsDiff(actual, expected));
    }

    [Fact]
    public void PlainPyTorchReadsTheSavedSafetensorsAndComputesTheSameLogits()
    {
        using var dir = new TempDir("selfspec-llm-torchref-");
        using var model = LlamaModel.CreateRandom(SmallConfig(), 11);
        // Larger weights than the 0.02 init, so the logits are far from uniform and a wrong tensor would show.
        using (new NoGrad())
            foreach (var (_, t) in model.NamedWeights())
                if (t.Dim == 2) t.MulInPlace(10);
        LlamaCheckpointWriter.Save(model, dir.FullPath);
        var request = dir.Combine("request.json");
        File.WriteAllText(request, JsonSerializer.Serialize(new { input_ids = new[] { Ids[..12], Ids[12..] } }));
        var output = dir.Combine("reference.safetensors");
        var run = ChildProcess.Run(TorchReference.Python, [TorchReference.Script, "forward", dir.FullPath, request, output], timeout: TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());

        using var reference = SafetensorsFile.Open(output);
        using var want = reference.Load("logits");
        using var ids = Tensor.From<long>(Ids, [2, 12]);
        using var noGrad = new NoGrad();
        using var got = model.Forward(ids);
        using var spread = want.Abs().Max();
        Assert.True(spread.ItemDouble() > 1, $"reference logits too flat to compare: max |logit| {spread.ItemDouble()}");
        var diff = Fixtures.MaxAbsDiff(got, want);
        Assert.True(diff < 1e-4, $"max |ours - PyTorch| = {diff:E3}");
    }
}

/// <summary>The PyTorch reference script shared by the test projects (run with Debian's /usr/bin/python3).</summary>
internal static class TorchReference
{
    public static string Script => Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.TestSupport", "python", "llama_reference.py");

    /// <summary>Debian's python3 with PyTorch; fails naming python3-torch when it is missing.</summary>
    public static string Python => ExternalReference.RequirePython("torch", debianPackage: "python3-torch");
}
