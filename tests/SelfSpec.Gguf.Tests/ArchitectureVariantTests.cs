using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using Xunit.Abstractions;

namespace SelfSpec.Gguf.Tests;

/// <summary>
/// The other configurations our engine runs, exported and run by llama.cpp: Mistral (llama arch), Qwen2 (qwen2 arch:
/// NeoX rotary, q/k/v biases, tied embeddings), Llama with tied embeddings, with q/k/v/o biases (the q/k biases are
/// permuted like their rows), with linear and with Llama-3.1 rope scaling (rope_freqs tensor). Biases and norm weights
/// are random here (a fresh model has them 0 and 1, which would hide a misplaced one).
/// </summary>
public sealed class ArchitectureVariantTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants => ["mistral", "qwen2", "llama-tied", "llama-bias", "llama-rope-linear", "llama-rope-llama3"];

    private static LlamaConfig Config(string variant)
    {
        var c = new LlamaConfig
        {
            ModelType = "llama", VocabSize = 320, HiddenSize = 64, IntermediateSize = 128, NumLayers = 2, NumHeads = 4, NumKeyValueHeads = 2,
            HeadDim = 16, RmsNormEps = 1e-6, MaxPositions = 256, Rope = new RopeScaling(10000), BosTokenId = 1, EosTokenIds = [2],
        };
        return variant switch
        {
            "mistral" => c with { ModelType = "mistral" },
            "qwen2" => c with { ModelType = "qwen2", AttentionBias = true, TieWordEmbeddings = true, Rope = new RopeScaling(1000000) },
            "llama-tied" => c with { TieWordEmbeddings = true },
            "llama-bias" => c with { AttentionBias = true, OutputBias = true },
            "llama-rope-linear" => c with { Rope = new RopeScaling(10000, RopeScalingKind.Linear, 4) },
            "llama-rope-llama3" => c with { Rope = new RopeScaling(500000, RopeScalingKind.Llama3, 8, 1, 4, 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_LlamaCppLogitsEqualOurs(string variant)
    {
        using var dir = new TempDir("gguf-arch-" + variant);
        var tokenizerSource = TestModels.TinyLlamaWithTokenizer(dir);
        var folder = dir.Combine(variant);
        var random = new Random(11);
        float[] Values(long n, double center, double spread) => Enumerable.Range(0, (int)n).Select(_ => (float)(center + spread * (random.NextDouble() * 2 - 1))).ToArray();
        // A wide initialisation makes attention peaked, so the rotary positions (and their scaling) matter to the logits.
        using (var model = LlamaModel.CreateRandom(Config(variant), seed: 5, initializerRange: 0.2))
        {
            foreach (var layer in model.Layers)
            {
                layer.InputNorm.CopyFrom<float>(Values(layer.InputNorm.NumElements, 1, 0.5));
                layer.PostAttentionNorm.CopyFrom<float>(Values(layer.PostAttentionNorm.NumElements, 1, 0.5));
                foreach (var p in LlamaProjections.All)
                    if (layer[p].Bias is { } bias) bias.CopyFrom<float>(Values(bias.NumElements, 0, 0.5));
            }
            model.FinalNorm.CopyFrom<float>(Values(model.FinalNorm.NumElements, 1, 0.5));
            LlamaCheckpointWriter.Save(model, folder);
        }
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(tokenizerSource, f), Path.Combine(folder, f));
        var gguf = dir.Combine(variant + ".gguf");
        GgufExporter.Export(folder, gguf, new GgufExportOptions());
        var file = GgufFile.Open(gguf);
        Assert.Equal(variant == "qwen2" ? "qwen2" : "llama", file["general.architecture"]!.AsString());

        int[] tokens = [319, 40, 101, 257, 3, 13, 0, 255, 256, 318, 100, 7, 7, 42, 290, 11, 64, 65, 66, 67, 200, 201, 202, 12];
        using var weights = LlamaCpp.Load(gguf);
        var error = TestModels.RelativeMaxError(TestModels.OurLogits(folder, tokens), LlamaCpp.Logits(weights, gguf, tokens));
        output.WriteLine($"{variant}: relative max error {error:E3}");
        Assert.True(error < 1e-4, $"{variant}: llama.cpp's logits differ from ours by {error:E3}");
        if (variant.StartsWith("llama-rope", StringComparison.Ordinal))
        {
            // The scaling must change the logits, or agreeing on it proves nothing.
            var plain = dir.Combine(variant + "-plain");
            Directory.CreateDirectory(plain);
            foreach (var f in Directory.GetFiles(folder)) File.Copy(f, Path.Combine(plain, Path.GetFileName(f)));
            File.WriteAllText(Path.Combine(plain, "config.json"), (Config(variant) with { Rope = new RopeScaling(Config(variant).Rope.Theta) }).ToJson().ToJsonString());
            var scalingEffect = TestModels.RelativeMaxError(TestModels.OurLogits(folder, tokens), TestModels.OurLogits(plain, tokens));
            output.WriteLine($"{variant}: the scaling changes the logits by {scalingEffect:E3}");
            Assert.True(scalingEffect > 100 * error, $"{variant}: the rope scaling changes the logits by only {scalingEffect:E3}");
        }
    }
}
