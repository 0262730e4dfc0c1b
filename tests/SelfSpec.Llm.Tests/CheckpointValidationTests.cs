using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Each validation error, provoked on corrupted copies of the fixture files made here.</summary>
public sealed class CheckpointValidationTests
{
    private static string CopyModel(TempDir tmp, string source)
    {
        var dir = tmp.Combine("model");
        Fixtures.CopyDir(source, dir);
        return dir;
    }

    private static (long HeaderLength, JsonObject Header, byte[] Data) Split(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!;
        return (n, header, bytes[(int)(8 + n)..]);
    }

    private static void Join(string file, JsonObject header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        using var fs = File.Create(file);
        var len = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(len, padded);
        fs.Write(len);
        fs.Write(json);
        for (var i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
        fs.Write(data);
    }

    [Fact]
    public void TruncatedShardIsReportedWithFileAndTensor()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.Model);
        var shard = Path.Combine(dir, "model-00002-of-00002.safetensors");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Equal(shard, e.File);
        Assert.NotNull(e.Tensor);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void HeaderLengthPastEndOfFileIsReported()
    {
        using var tmp = new TempDir();
        var file = tmp.Combine("x.safetensors");
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.ModelBf16, "model.safetensors"));
        File.WriteAllBytes(file, bytes[..1000]);
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(file));
        Assert.Contains("runs past the end of the file", e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void HeaderThatLiesAboutOffsetsIsReported()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.ModelBf16);
        var file = Path.Combine(dir, "model.safetensors");
        var (_, header, data) = Split(file);
        var entry = (JsonObject)header["model.norm.weight"]!;
        var offsets = entry["data_offsets"]!.AsArray();
        var begin = offsets[0]!.GetValue<long>();
        entry["data_offsets"] = new JsonArray(begin, begin + 64); // 64 bytes for a [64] BF16 tensor that needs 128
        Join(file, header, data);
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(file));
        Assert.Equal("model.norm.weight", e.Tensor);
        Assert.Contains("needs 128", e.Message);
    }

    [Fact]
    public void OverlappingOffsetsAreReported()
    {
        using var tmp = new TempDir();
        var file = tmp.Combine("x.safetensors");
        File.Copy(Path.Combine(Fixtures.ModelBf16, "model.safetensors"), file);
        var (_, header, data) = Split(file);
        var a = (JsonObject)header["model.layers.0.input_layernorm.weight"]!;
        var b = (JsonObject)header["model.layers.1.input_layernorm.weight"]!;
        b["data_offsets"] = a["data_offsets"]!.DeepClone(); // two tensors claim the same bytes
        Join(file, header, data);
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(file));
        Assert.NotNull(e.Tensor);
        Assert.Matches("overlap|gap", e.Message);
    }

    [Fact]
    public void MissingTensorIsReported()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.ModelBf16);
        var file = Path.Combine(dir, "model.safetensors");
        RewriteWithout(file, "model.layers.1.mlp.up_proj.weight", extra: null);
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Equal("model.layers.1.mlp.up_proj.weight", e.Tensor);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void ExtraTensorIsReported()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.ModelBf16);
        var file = Path.Combine(dir, "model.safetensors");
        RewriteWithout(file, null, extra: "model.layers.2.mlp.up_proj.weight");
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Equal("model.layers.2.mlp.up_proj.weight", e.Tensor);
        Assert.Equal(file, e.File);
    }

    [Fact]
    public void WrongShapeIsReported()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.Model);
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["intermediate_size"] = 128;
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Equal("model.layers.0.mlp.gate_proj.weight", e.Tensor); // the first mis-shaped tensor in checkpoint order
        Assert.Contains("has shape [176, 64], but config.json implies [128, 64]", e.Message);
    }

    [Fact]
    public void ShardListedInIndexButMissingTensorIsReported()
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.Model);
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();
        index["weight_map"]!["model.norm.weight"] = "model-00001-of-00002.safetensors"; // it really is in shard 2
        File.WriteAllText(indexPath, index.ToJsonString());
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Equal("model.norm.weight", e.Tensor);
        Assert.EndsWith("model-00001-of-00002.safetensors", e.File);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("gemma")]
    public void UnsupportedModelTypeIsNamed(string modelType)
    {
        using var tmp = new TempDir();
        var dir = CopyModel(tmp, Fixtures.Model);
        var configPath = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = modelType;
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<CheckpointFormatException>(() => LlamaModel.Load(dir));
        Assert.Contains($"'{modelType}'", e.Message);
        Assert.Equal(configPath, e.File);
    }

    /// <summary>Rewrites a safetensors file with one tensor dropped and/or one extra tensor added, using the writer.</summary>
    private static void RewriteWithout(string file, string? drop, string? extra)
    {
        var tensors = new Dictionary<string, Tensor>();
        using (var st = SafetensorsFile.Open(file))
        {
            foreach (var name in st.Names)
                if (name != drop)
                    using (var t = st.Load(name)) tensors[name] = t.Clone();
        }
        if (extra != null) tensors[extra] = Tensor.Zeros([176, 64], DType.BFloat16);
        File.Delete(file);
        SafetensorsWriter.Write(file, tensors);
        foreach (var t in tensors.Values) t.Dispose();
    }
}
