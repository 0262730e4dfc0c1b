using SelfSpec.Gguf.Export;
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
    /// Bounds measured on tiny-llama (max |Δ| / max |logit|): f16 ≈ 5e-4, bf16 ≈ 4e-3, q8_0 ≈ 6e-3 — each about 3× under
    /// the bound. They follow the weight rounding: f16 keeps 11 significant bits (2^-11 ≈ 4.9e-4 relative per weight),
    /// bf16 8 bits (2^-8 ≈ 3.9e-3), q8_0 1/254 of each block's max (≈ 3.9e-3) plus llama.cpp quantising activations
    /// to 8 bits for its q8_0 dot products; the errors partly average out over a row.
    /// </summary>
    [Theory]
    [InlineData(GgufOutputType.F16, 2e-3)]
    [InlineData(GgufOutputType.BF16, 1.5e-2)]
    [InlineData(GgufOutputType.Q8_0, 2e-2)]
    public void TinyLlamaReducedPrecision_LlamaCppLogitsWithinBound(GgufOutputType type, double bound)
    {
        using var dir = new TempDir("gguf-" + type);
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("tiny.gguf");
        var result = GgufExporter.Export(model, gguf, new GgufExportOptions { Type = type });
        foreach (var note in result.Notes) output.WriteLine("note: " + note);
        using var weights = LlamaCpp.Load(gguf);
        var tokens = Tokens.Select(t => t % 320).ToArray();
        var error = TestModels.RelativeMaxError(TestModels.OurLogits(model, tokens), LlamaCpp.Logits(weights, gguf, tokens));
        output.WriteLine($"{type} relative max error {error:E3}");
        Assert.True(error < bound, $"{type}: llama.cpp's logits differ from ours by {error:E3} (bound {bound:E1})");
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
    }
}
