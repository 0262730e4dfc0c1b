using System.Text.Json.Nodes;
using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Gguf.Tests;

/// <summary>Model folders for the tests, and our engine's logits for them.</summary>
internal static class TestModels
{
    public static string TinyLlama => Paths.Fixture("llama", "tiny-llama");
    public static string TinyLora => Paths.Fixture("llama", "tiny-lora");

    /// <summary>
    /// tiny-llama (PyTorch-made, vocab 320) copied into <paramref name="dir"/> with a byte-level BPE tokenizer that fits
    /// it: GPT-2's 256 byte tokens and its first merges up to id 318, and &lt;|endoftext|&gt; as id 319.
    /// </summary>
    public static string TinyLlamaWithTokenizer(TempDir dir)
    {
        var folder = dir.Combine("tiny-llama");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TinyLlama)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var gpt2 = JsonNode.Parse(File.ReadAllText(Paths.Fixture("tokenizers", "gpt2", "tokenizer.json")))!.AsObject();
        var vocab = new JsonObject();
        foreach (var (token, id) in gpt2["model"]!["vocab"]!.AsObject())
            if (id!.GetValue<int>() < 319) vocab[token] = id.GetValue<int>();
        vocab["<|endoftext|>"] = 319;
        var merges = new JsonArray();
        foreach (var m in gpt2["model"]!["merges"]!.AsArray())
        {
            var parts = m!.GetValue<string>().Split(' ');
            if (vocab.ContainsKey(parts[0]) && vocab.ContainsKey(parts[1]) && vocab.ContainsKey(parts[0] + parts[1])) merges.Add(m.GetValue<string>());
        }
        gpt2["model"]!["vocab"] = vocab;
        gpt2["model"]!["merges"] = merges;
        gpt2["added_tokens"] = new JsonArray(new JsonObject
        {
            ["id"] = 319, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = true, ["special"] = true,
        });
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), gpt2.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"),
            """{"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "add_bos_token": false}""");
        return folder;
    }

    /// <summary>
    /// A random small Llama (seeded) whose vocabulary is the fixture tokenizer <paramref name="tokenizer"/>'s, written
    /// with our checkpoint writer, with that tokenizer's files copied beside it.
    /// </summary>
    public static string RandomWithTokenizer(TempDir dir, string tokenizer, int vocabSize, int hidden = 32, int layers = 2)
    {
        var folder = dir.Combine("random-" + tokenizer);
        var config = new LlamaConfig
        {
            ModelType = "llama", VocabSize = vocabSize, HiddenSize = hidden, IntermediateSize = 2 * hidden, NumLayers = layers, NumHeads = 4,
            NumKeyValueHeads = 2, HeadDim = hidden / 4, RmsNormEps = 1e-5, MaxPositions = 512, BosTokenId = 1, EosTokenIds = [2],
        };
        using (var model = LlamaModel.CreateRandom(config, seed: 7))
            LlamaCheckpointWriter.Save(model, folder);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Paths.Fixture("tokenizers", tokenizer, file), Path.Combine(folder, file));
        return folder;
    }

    /// <summary>
    /// A copy of a model folder whose matrices went through <paramref name="type"/> and back (norms stay f32, and rows
    /// that do not fit Q8_0 blocks go through f16, as the exporter stores them): the exact weights llama.cpp computes with.
    /// </summary>
    public static string RoundTripped(string modelDirectory, GgmlType type, TempDir dir)
    {
        var folder = dir.Combine("roundtrip-" + type);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(modelDirectory).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal) && !f.EndsWith(".index.json", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        using var checkpoint = CheckpointDirectory.Open(modelDirectory);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var name in checkpoint.Names)
            {
                var shape = checkpoint.Find(name).Info.Shape;
                var values = CheckpointValues.Read(checkpoint, name);
                if (shape.Length == 2)
                {
                    var stored = type.Fits(shape[1]) ? type : GgmlType.F16;
                    var bytes = new byte[stored.ByteSize(values.Length, shape[1])];
                    TensorEncoding.Encode(values, stored, bytes);
                    values = TensorEncoding.Decode(bytes, stored, values.Length);
                }
                tensors[name] = Tensor.From<float>(values, shape);
            }
            SafetensorsWriter.Write(Path.Combine(folder, CheckpointDirectory.SingleFileName), tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        return folder;
    }

    /// <summary>Our engine's f32 logits at every position ([positions][vocab]), optionally with a LoRA adapter applied.</summary>
    public static float[][] OurLogits(string modelDirectory, IReadOnlyList<int> tokens, string? adapterDirectory = null)
    {
        using var model = LlamaModel.Load(modelDirectory);
        using var adapter = adapterDirectory == null ? null : LoraAdapter.Load(adapterDirectory, model.Config, DType.Float32);
        using var ids = Tensor.From<long>(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count]);
        using var logits = model.Forward(ids, adapter: adapter);
        var flat = logits.ToArray<float>();
        var vocab = model.Config.VocabSize;
        return Enumerable.Range(0, tokens.Count).Select(i => flat.AsSpan(i * vocab, vocab).ToArray()).ToArray();
    }

    /// <summary>max |a − b| / max |a| over all positions and tokens (a is the reference).</summary>
    public static double RelativeMaxError(float[][] reference, float[][] other)
    {
        Assert.Equal(reference.Length, other.Length);
        double maxDiff = 0, maxAbs = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i].Length, other[i].Length);
            for (var j = 0; j < reference[i].Length; j++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(reference[i][j] - other[i][j]));
                maxAbs = Math.Max(maxAbs, Math.Abs(reference[i][j]));
            }
        }
        return maxDiff / maxAbs;
    }
}
