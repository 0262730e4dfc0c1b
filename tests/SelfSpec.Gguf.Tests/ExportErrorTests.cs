using System.Text.Json.Nodes;
using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;
using SelfSpec.TestSupport;

namespace SelfSpec.Gguf.Tests;

/// <summary>Inputs that cannot be exported fail with a message naming the file and the problem, and leave no output.</summary>
public sealed class ExportErrorTests
{
    [Fact]
    public void FolderWithoutTokenizerJson_IsRefusedNamingTheFolder()
    {
        using var dir = new TempDir("gguf-err");
        var e = Assert.Throws<GgufExportException>(() => GgufExporter.Export(TestModels.TinyLlama, dir.Combine("x.gguf"), new GgufExportOptions()));
        Assert.Contains(Path.GetFullPath(TestModels.TinyLlama), e.Message);
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.FullPath));
    }

    [Fact]
    public void UnknownArchitecture_IsRefusedNamingIt()
    {
        using var dir = new TempDir("gguf-err");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var configFile = Path.Combine(model, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configFile))!.AsObject();
        config["model_type"] = "gpt_neox";
        File.WriteAllText(configFile, config.ToJsonString());
        var e = Assert.Throws<GgufExportException>(() => GgufExporter.Export(model, dir.Combine("x.gguf"), new GgufExportOptions()));
        Assert.Contains("gpt_neox", e.Message);
        Assert.Contains(configFile, e.Message);
        Assert.False(File.Exists(dir.Combine("x.gguf")));
    }

    [Fact]
    public void Q8OnRowsNotDivisibleBy32_KeepsThoseTensorsF16AndSaysSo()
    {
        using var dir = new TempDir("gguf-q8");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("q8.gguf");
        var result = GgufExporter.Export(model, gguf, new GgufExportOptions { Type = GgufOutputType.Q8_0 });
        // tiny-llama's intermediate size is 176 = 5.5 × 32: ffn_down's rows cannot be Q8_0 blocks.
        Assert.Contains(result.Notes, n => n.Contains("blk.0.ffn_down.weight") && n.Contains("F16"));
        var file = GgufFile.Open(gguf);
        Assert.Equal(GgmlType.F16, file.Find("blk.1.ffn_down.weight")!.Type);
        Assert.Equal(GgmlType.Q8_0, file.Find("blk.1.ffn_up.weight")!.Type);
        Assert.Equal(GgmlType.F32, file.Find("blk.1.ffn_norm.weight")!.Type);
        Assert.Equal(7L, file["general.file_type"]!.AsLong());
    }

    [Fact]
    public void AdapterForAnotherModelShape_IsRefusedNamingTheAdapter()
    {
        using var dir = new TempDir("gguf-err");
        var model = TestModels.RandomWithTokenizer(dir, "llama2", 32000, hidden: 32);
        var e = Assert.Throws<GgufExportException>(() =>
            GgufExporter.Export(model, dir.Combine("x.gguf"), new GgufExportOptions { AdapterDirectory = TestModels.TinyLora }));
        Assert.Contains(Path.GetFullPath(TestModels.TinyLora), e.Message);
        Assert.Contains("shape", e.Message);
        Assert.False(File.Exists(dir.Combine("x.gguf")));
    }

    [Fact]
    public void WordPieceTokenizer_IsRefusedNamingTheModelType()
    {
        using var dir = new TempDir("gguf-err");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        File.WriteAllText(Path.Combine(model, "tokenizer.json"),
            """{"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":{"type":"BertPreTokenizer"},"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1}}}""");
        var e = Assert.Throws<GgufExportException>(() => GgufExporter.Export(model, dir.Combine("x.gguf"), new GgufExportOptions()));
        Assert.Contains("WordPiece", e.Message);
        Assert.Contains(Path.Combine(model, "tokenizer.json"), e.Message);
    }

    [Fact]
    public void UnknownPreTokenizer_IsRefusedNamingIt()
    {
        using var dir = new TempDir("gguf-err");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var file = Path.Combine(model, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        tokenizer["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" };
        File.WriteAllText(file, tokenizer.ToJsonString());
        var e = Assert.Throws<GgufExportException>(() => GgufExporter.Export(model, dir.Combine("x.gguf"), new GgufExportOptions()));
        Assert.Contains("Whitespace", e.Message);
    }

    [Fact]
    public void CancelledExport_LeavesNoFile()
    {
        using var dir = new TempDir("gguf-cancel");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var outDir = dir.Combine("out");
        Directory.CreateDirectory(outDir);
        using var cts = new CancellationTokenSource();
        var written = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => GgufExporter.Export(model, Path.Combine(outDir, "x.gguf"), new GgufExportOptions(),
            line => { if (++written == 5) cts.Cancel(); }, cts.Token));
        Assert.True(written >= 5);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }
}
