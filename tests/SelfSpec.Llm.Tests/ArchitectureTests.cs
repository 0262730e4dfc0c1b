using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Config variants (rope_parameters, llama3 scaling, tied embeddings, Qwen2 biases) on rewritten copies of the fixture.</summary>
public sealed class ArchitectureTests
{
    private static JsonObject FixtureConfig() => JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Model, "config.json")))!.AsObject();

    /// <summary>Writes the f32 fixture weights (transformed) as one file plus a config into a fresh directory.</summary>
    private static void WriteModel(string dir, JsonObject config, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>> edit)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        using var checkpoint = CheckpointDirectory.Open(Fixtures.Model);
        var tensors = checkpoint.Names.ToDictionary(n => n, n => checkpoint.Load(n, DType.Float32));
        var edited = edit(tensors);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), edited);
        foreach (var t in edited.Values.Concat(tensors.Values).Distinct()) t.Dispose();
    }

    private static double Compare(string dir)
    {
        using var model = LlamaModel.Load(dir);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits");
        using var logits = model.Forward(ids);
        return Fixtures.MaxAbsDiff(logits, expected);
    }

    [Fact]
    public void NestedRopeParametersReadLikeRopeTheta()
    {
        var config = FixtureConfig();
        config.Remove("rope_theta");
        config.Remove("rope_scaling");
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 10000.0 };
        config.Remove("head_dim"); // derived: 64 / 4 = 16
        using var tmp = new TempDir();
        WriteModel(tmp.FullPath, config, t => t);
        var parsed = LlamaConfig.Load(tmp.FullPath);
        Assert.Equal(10000, parsed.Rope.Theta);
        Assert.Equal(16, parsed.HeadDim);
        Assert.InRange(Compare(tmp.FullPath), 0, Fixtures.Tolerance("logits_abs"));
    }

    [Fact]
    public void TiedEmbeddingsUseTheEmbeddingAsOutputProjection()
    {
        // Reference: the untied fixture with lm_head replaced by a copy of the embedding must give the same logits.
        var config = FixtureConfig();
        using var tmp = new TempDir();
        var untied = tmp.Combine("untied");
        WriteModel(untied, config, t => { var c = new Dictionary<string, Tensor>(t); c["lm_head.weight"] = t["model.embed_tokens.weight"].Clone(); return c; });
        config["tie_word_embeddings"] = true;
        var tied = tmp.Combine("tied");
        WriteModel(tied, config, t => t.Where(kv => kv.Key != "lm_head.weight").ToDictionary());
        using var a = LlamaModel.Load(untied);
        using var b = LlamaModel.Load(tied);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var la = a.Forward(ids);
        using var lb = b.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(la, lb), 0, 1e-6);
    }

    [Fact]
    public void Qwen2LoadsAndAddsQueryKeyValueBiases()
    {
        var config = FixtureConfig();
        config["model_type"] = "qwen2";
        using var tmp = new TempDir();
        // Zero biases must reproduce the reference exactly …
        var zero = tmp.Combine("zero");
        WriteModel(zero, config, t => WithBiases(t, 0));
        Assert.InRange(Compare(zero), 0, Fixtures.Tolerance("logits_abs"));
        // … and a missing bias is an error naming it.
        var missing = tmp.Combine("missing");
        WriteModel(missing, config, t => t);
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(missing));
        Assert.EndsWith("self_attn.q_proj.bias", e.Tensor);
        // A value bias b_v shifts every attention output by b_v (softmax rows sum to 1): o_proj(x + b_v) = o_proj(x) + W_o·b_v.
        var shifted = tmp.Combine("shifted");
        WriteModel(shifted, config, t => WithBiases(t, 0.5, valueOnly: true));
        using var m0 = LlamaModel.Load(zero);
        using var m1 = LlamaModel.Load(shifted);
        Assert.Equal(0.5f, m1.Layers[0][LlamaProjection.Value].Bias!.ToArray<float>()[0]);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var l0 = m0.Forward(ids);
        using var l1 = m1.Forward(ids);
        Assert.True(Fixtures.MaxAbsDiff(l0, l1) > 1e-3);
    }

    private static Dictionary<string, Tensor> WithBiases(Dictionary<string, Tensor> t, double value, bool valueOnly = false)
    {
        var c = new Dictionary<string, Tensor>(t);
        for (var l = 0; l < 2; l++)
            foreach (var p in new[] { "q_proj", "k_proj", "v_proj" })
            {
                var w = t[$"model.layers.{l}.self_attn.{p}.weight"];
                c[$"model.layers.{l}.self_attn.{p}.bias"] = Tensor.Full([w.Size(0)], valueOnly && p != "v_proj" ? 0.0 : value);
            }
        return c;
    }

    [Fact]
    public void Llama3ScalingKeepsHighFrequenciesAndDividesLowOnes()
    {
        var config = FixtureConfig();
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64,
        };
        var scaled = LlamaConfig.Parse(config, "config.json");
        Assert.Equal(RopeScalingKind.Llama3, scaled.Rope.Kind);
        var plain = new RopeScaling(10000).InverseFrequencies(16);
        var inv = scaled.Rope.InverseFrequencies(16);
        for (var i = 0; i < inv.Length; i++)
        {
            var wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 64 / 4.0) Assert.Equal(plain[i], inv[i], 12);
            else if (wavelength > 64 / 1.0) Assert.Equal(plain[i] / 8, inv[i], 12);
            else Assert.InRange(inv[i], plain[i] / 8, plain[i]);
        }
        Assert.Contains(inv.Select((v, i) => (v, i)), p => p.v == plain[p.i]);
        Assert.Contains(inv.Select((v, i) => (v, i)), p => Math.Abs(p.v - plain[p.i] / 8) < 1e-15);

        config["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 };
        var linear = LlamaConfig.Parse(config, "config.json").Rope.InverseFrequencies(16);
        for (var i = 0; i < linear.Length; i++) Assert.Equal(plain[i] / 2, linear[i], 15);

        config["rope_scaling"] = new JsonObject { ["type"] = "yarn", ["factor"] = 2.0 };
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaConfig.Parse(config, "config.json"));
        Assert.Contains("'yarn'", e.Message);
    }
}
