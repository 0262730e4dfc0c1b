using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.TestSupport;
using Xunit.Abstractions;

namespace SelfSpec.Gguf.Tests;

/// <summary>
/// llama.cpp loads what we export and computes the same logits as our engine (itself checked against PyTorch).
/// Metric: max |Δlogit| / max |logit| over every position and vocabulary entry.
/// </summary>
public sealed class LlamaCppLogitTests(ITestOutputHelper output)
{
    // A sequence touching many ids, including the special one (319) and repeats.
    private static readonly int[] Tokens = [319, 40, 1101, 257, 3797, 13, 0, 255, 256, 318, 100, 7, 7, 42, 290, 11];

    [Fact]
    public void TinyLlamaF32_LlamaCppLogitsEqualOurs()
    {
        using var dir = new TempDir("gguf-f32");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("tiny.gguf");
        GgufExporter.Export(model, gguf, new GgufExportOptions());
        using var weights = LlamaCpp.Load(gguf);
        var theirs = LlamaCpp.Logits(weights, gguf, Tokens.Select(t => t % 320).ToArray());
        var ours = TestModels.OurLogits(model, Tokens.Select(t => t % 320).ToArray());
        var error = TestModels.RelativeMaxError(ours, theirs);
        output.WriteLine($"f32 relative max error {error:E3}");
        Assert.True(error < 1e-4, $"llama.cpp's logits differ from ours by {error:E3} (max |Δ| / max |logit|)");
    }

    /// <summary>
    /// Two measurements per type. (1) llama.cpp on the exported file against our engine on the same weights rounded
    /// through the type and back: what is left is llama.cpp's own arithmetic (it rounds activations to f16/bf16/q8 for
    /// its dot products with such weights). (2) against our engine on the original f32 weights: that adds the weight
    /// rounding itself. Bounds are about 2–3× the values measured on tiny-llama (see README), which follow the
    /// significand widths: f16 11 bits (2^-11 ≈ 4.9e-4), bf16 8 bits (2^-8 ≈ 3.9e-3), q8_0 1/254 of each block's max
    /// (for weights and, in llama.cpp, for the activations too, hence the larger same-weights error).
    /// Measured (same weights / f32 weights): f16 6.9e-4 / 1.1e-3, bf16 6.1e-3 / 8.3e-3, q8_0 2.6e-2 / 3.4e-2.
    /// </summary>
    [Theory]
    [InlineData(GgufOutputType.F16, 2e-3, 3e-3)]
    [InlineData(GgufOutputType.BF16, 1.5e-2, 2e-2)]
    [InlineData(GgufOutputType.Q8_0, 5e-2, 7e-2)]
    public void TinyLlamaReducedPrecision_LlamaCppLogitsWithinBound(GgufOutputType type, double sameWeightsBound, double originalBound)
    {
        using var dir = new TempDir("gguf-" + type);
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("tiny.gguf");
        var result = GgufExporter.Export(model, gguf, new GgufExportOptions { Type = type });
        foreach (var note in result.Notes) output.WriteLine("note: " + note);
        using var weights = LlamaCpp.Load(gguf);
        var tokens = Tokens.Select(t => t % 320).ToArray();
        var theirs = LlamaCpp.Logits(weights, gguf, tokens);
        var sameWeights = TestModels.RelativeMaxError(TestModels.OurLogits(TestModels.RoundTripped(model, type.MatrixType(), dir), tokens), theirs);
        var original = TestModels.RelativeMaxError(TestModels.OurLogits(model, tokens), theirs);
        output.WriteLine($"{type}: relative max error vs ours on the same rounded weights {sameWeights:E3}, vs ours on the f32 weights {original:E3}");
        Assert.True(sameWeights < sameWeightsBound, $"{type}: llama.cpp differs from ours on the same weights by {sameWeights:E3} (bound {sameWeightsBound:E1})");
        Assert.True(original < originalBound, $"{type}: llama.cpp differs from ours on the f32 weights by {original:E3} (bound {originalBound:E1})");
    }

    /// <summary>
    /// A bf16 checkpoint (the PyTorch-made tiny-llama-bf16): as f32 GGUF llama.cpp matches our engine exactly; as bf16
    /// GGUF every weight keeps its stored bits.
    /// </summary>
    [Fact]
    public void TinyLlamaBf16Checkpoint_ExportsExactly()
    {
        using var dir = new TempDir("gguf-bf16-source");
        var withTokenizer = TestModels.TinyLlamaWithTokenizer(dir);
        var model = dir.Combine("tiny-llama-bf16");
        Directory.CreateDirectory(model);
        foreach (var f in Directory.GetFiles(Paths.Fixture("llama", "tiny-llama-bf16"))) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(withTokenizer, f), Path.Combine(model, f));
        var f32 = dir.Combine("f32.gguf");
        GgufExporter.Export(model, f32, new GgufExportOptions());
        var tokens = Tokens.Select(t => t % 320).ToArray();
        using (var weights = LlamaCpp.Load(f32))
        {
            var error = TestModels.RelativeMaxError(TestModels.OurLogits(model, tokens), LlamaCpp.Logits(weights, f32, tokens));
            output.WriteLine($"bf16 checkpoint as f32 GGUF: relative max error {error:E3}");
            Assert.True(error < 1e-4, $"llama.cpp differs from ours by {error:E3}");
        }
        var bf16 = dir.Combine("bf16.gguf");
        GgufExporter.Export(model, bf16, new GgufExportOptions { Type = GgufOutputType.BF16 });
        var file = GgufFile.Open(bf16);
        using var checkpoint = CheckpointDirectory.Open(model);
        Assert.Equal(GgmlType.BF16, file.Find("blk.0.ffn_up.weight")!.Type);
        Assert.Equal(CheckpointValues.Read(checkpoint, "model.layers.0.mlp.up_proj.weight"), file.ReadTensor("blk.0.ffn_up.weight"));
        Assert.Equal(CheckpointValues.Read(checkpoint, "lm_head.weight"), file.ReadTensor("output.weight"));
    }

    [Fact]
    public void TinyLoraAsGgufAdapter_LlamaCppAppliesItLikeOurs()
    {
        using var dir = new TempDir("gguf-lora");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var baseGguf = dir.Combine("tiny.gguf");
        var adapterGguf = dir.Combine("tiny-lora.gguf");
        GgufExporter.Export(model, baseGguf, new GgufExportOptions());
        GgufExporter.Export(model, adapterGguf, new GgufExportOptions { AdapterDirectory = TestModels.TinyLora });
        var tokens = Tokens.Select(t => t % 320).ToArray();
        using var weights = LlamaCpp.Load(baseGguf);
        var theirs = LlamaCpp.Logits(weights, baseGguf, tokens, adapterGguf);
        var ours = TestModels.OurLogits(model, tokens, TestModels.TinyLora);
        var error = TestModels.RelativeMaxError(ours, theirs);
        output.WriteLine($"LoRA adapter relative max error {error:E3}");
        Assert.True(error < 1e-4, $"llama.cpp with the GGUF LoRA differs from ours by {error:E3}");
        // The adapter must matter, or the comparison proves nothing.
        var withoutAdapter = TestModels.RelativeMaxError(ours, TestModels.OurLogits(model, tokens));
        Assert.True(withoutAdapter > 100 * error, $"the adapter changes the logits by only {withoutAdapter:E3}");
    }

    [Fact]
    public void TinyLoraMerged_LlamaCppLogitsEqualOursWithAdapter()
    {
        using var dir = new TempDir("gguf-merged");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var merged = dir.Combine("tiny-merged.gguf");
        GgufExporter.Export(model, merged, new GgufExportOptions { AdapterDirectory = TestModels.TinyLora, Merge = true });
        var tokens = Tokens.Select(t => t % 320).ToArray();
        using var weights = LlamaCpp.Load(merged);
        var error = TestModels.RelativeMaxError(TestModels.OurLogits(model, tokens, TestModels.TinyLora), LlamaCpp.Logits(weights, merged, tokens));
        output.WriteLine($"merged relative max error {error:E3}");
        Assert.True(error < 1e-4, $"the merged GGUF differs from base + adapter by {error:E3}");
        var fromBase = TestModels.RelativeMaxError(TestModels.OurLogits(model, tokens), LlamaCpp.Logits(weights, merged, tokens));
        Assert.True(fromBase > 100 * error, $"the merged GGUF is only {fromBase:E3} away from the base model");
    }
}
