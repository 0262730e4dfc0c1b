using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Reader on the reference files, writer checked against the format rules and by a re-read.</summary>
public sealed class SafetensorsTests
{
    [Fact]
    public void ReadsReferenceFileWithoutCopying()
    {
        using var f = SafetensorsFile.Open(Fixtures.Dir("expected.safetensors"));
        Assert.Equal(12, f.Tensors.Count);
        Assert.Equal("I64", f.Tensors["input_ids"].DType);
        using var ids = f.Load("input_ids");
        Assert.Equal([2L, 11], ids.Shape);
        // The tensor's bytes are the file's bytes.
        Assert.Equal(f.RawBytes("input_ids").ToArray(), ids.ToBytes());
    }

    [Fact]
    public void TensorsOutliveTheFileObject()
    {
        Tensor logits;
        using (var f = SafetensorsFile.Open(Fixtures.Dir("expected.safetensors"))) logits = f.Load("logits");
        using (logits)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.True(double.IsFinite(logits.Sum().ItemDouble()));
        }
    }

    [Fact]
    public void WriterFollowsTheFormatAndRoundTrips()
    {
        using var tmp = new TempDir();
        var path = tmp.Combine("out.safetensors");
        using var a = Tensor.Arange(0, 6, 1, DType.Float32).View(2, 3);
        using var b = Tensor.From(new long[] { 7, 8, 9 });
        using var c = Tensor.Ones([5], DType.BFloat16);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c }, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        var n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        // Descending alignment then name: b (I64) first, then a (F32), then c (BF16).
        Assert.Equal([0L, 24], header.RootElement.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()));
        Assert.Equal([24L, 48], header.RootElement.GetProperty("a").GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()));
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal(8 + n + 48 + 10, bytes.Length);

        using var f = SafetensorsFile.Open(path);
        using var a2 = f.Load("a");
        Assert.Equal(a.ToArray<float>(), a2.ToArray<float>());
        using var c2 = f.Load("c");
        Assert.Equal(DType.BFloat16, c2.DType);
        Assert.Equal("pt", f.Metadata["format"]);
    }
}
