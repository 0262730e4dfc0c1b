using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Gguf.Tests;

/// <summary>The file layout llama.cpp expects, checked field by field, and the float conversions against libtorch's.</summary>
public sealed class GgufFormatTests
{
    [Fact]
    public void ExportedModel_HasLlamaMetadataTensorNamesAndAlignedData()
    {
        using var dir = new TempDir("gguf-format");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("tiny.gguf");
        GgufExporter.Export(model, gguf, new GgufExportOptions());
        var file = GgufFile.Open(gguf);
        Assert.Equal(3u, file.Version);
        Assert.Equal("llama", file["general.architecture"]!.AsString());
        Assert.Equal(64L, file["llama.embedding_length"]!.AsLong());
        Assert.Equal(2L, file["llama.block_count"]!.AsLong());
        Assert.Equal(176L, file["llama.feed_forward_length"]!.AsLong());
        Assert.Equal(4L, file["llama.attention.head_count"]!.AsLong());
        Assert.Equal(2L, file["llama.attention.head_count_kv"]!.AsLong());
        Assert.Equal(16L, file["llama.rope.dimension_count"]!.AsLong());
        Assert.Equal("gpt2", file["tokenizer.ggml.model"]!.AsString());
        Assert.Equal("gpt-2", file["tokenizer.ggml.pre"]!.AsString());
        Assert.Equal(2 + 2 * 9 + 1, file.Tensors.Count);
        Assert.All(file.Tensors, t => Assert.Equal(0UL, t.Offset % 32));
        Assert.Equal(0L, file.DataStart % 32);
        Assert.Equal([64L, 320L], file.Find("token_embd.weight")!.Dimensions);
        Assert.Equal([64L, 32L], file.Find("blk.0.attn_k.weight")!.Dimensions);
        using var checkpoint = CheckpointDirectory.Open(model);
        Assert.Equal(CheckpointValues.Read(checkpoint, "model.embed_tokens.weight"), file.ReadTensor("token_embd.weight"));
        Assert.Equal(CheckpointValues.Read(checkpoint, "model.layers.1.self_attn.v_proj.weight"), file.ReadTensor("blk.1.attn_v.weight"));
    }

    [Fact]
    public void RotaryPermutation_InterleavesEachHeadsHalves()
    {
        // 2 heads of dim 4, one column: rows [h0: a0 a1 b0 b1 | h1: c0 c1 d0 d1] → [a0 b0 a1 b1 | c0 d0 c1 d1].
        float[] rows = [0, 1, 2, 3, 10, 11, 12, 13];
        Assert.Equal([0f, 2, 1, 3, 10, 12, 11, 13], GgufArchitecture.PermuteRotaryRows(rows, 2, 1));
    }

    [Fact]
    public void HalfAndBFloat16_RoundLikeLibtorch()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 4096).Select(i => (float)(random.NextDouble() * 2 - 1) * MathF.Pow(2, random.Next(-20, 20))).ToArray();
        values[0] = 1.00390625f; // exactly halfway between two bf16 values: ties to even
        values[1] = 1.01171875f;
        using var source = Tensor.From(values, [values.Length]);
        foreach (var (ggml, torch) in new[] { (GgmlType.F16, DType.Float16), (GgmlType.BF16, DType.BFloat16) })
        {
            var bytes = new byte[values.Length * 2];
            TensorEncoding.Encode(values, ggml, bytes);
            using var converted = source.To(torch);
            Assert.Equal(converted.ToBytes(), bytes);
        }
    }

    [Fact]
    public void Q8_0_BlockLayoutIsScaleThen32Int8()
    {
        var values = Enumerable.Range(0, 32).Select(i => (i - 16) / 8f).ToArray(); // max |x| = 2 → d = 2/127
        var bytes = new byte[GgmlTypes.Q8BlockBytes];
        Assert.Equal(34, TensorEncoding.Encode(values, GgmlType.Q8_0, bytes));
        Assert.Equal((Half)(2f / 127f), BitConverter.ToHalf(bytes, 0));
        Assert.Equal(-127, (sbyte)bytes[2]);
        Assert.Equal(0, (sbyte)bytes[2 + 16]);
        var decoded = TensorEncoding.Decode(bytes, GgmlType.Q8_0, 32);
        for (var i = 0; i < 32; i++) Assert.True(Math.Abs(decoded[i] - values[i]) <= 2f / 127 / 2 + 1e-3, $"value {i}");
    }
}
