using SelfSpec.TestSupport;

namespace SelfSpec.Gguf.Tests;

/// <summary><c>selfspec export gguf</c> run as the real CLI; llama.cpp reads what it writes.</summary>
public sealed class ExportCliTests
{
    [Fact]
    public void ExportGguf_WritesAFileLlamaCppLoads_WithProgressAndNotesOnStderr()
    {
        using var dir = new TempDir("gguf-cli");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var gguf = dir.Combine("tiny-q8.gguf");
        var r = SelfSpecCli.Run("export", "gguf", model, gguf, "--type", "q8_0");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("wrote " + gguf, r.StdOut);
        Assert.Contains("blk.1.ffn_down.weight", r.StdErr);
        Assert.Contains("[21/21] output.weight Q8_0", r.StdErr);
        using (var weights = LlamaCpp.Load(gguf))
            Assert.Equal(320, weights.Vocab.Count);

        var info = SelfSpecCli.Run("export", "gguf-info", gguf, "--tensors");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("general.architecture = llama", info.StdOut);
        Assert.Contains("general.file_type = 7", info.StdOut);
        Assert.Contains("blk.0.ffn_down.weight\tF16\t[176, 64]", info.StdOut);
    }

    [Fact]
    public void ExportGgufAdapterThenMerged_BothLoadInLlamaCpp()
    {
        using var dir = new TempDir("gguf-cli");
        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var adapter = SelfSpecCli.Run("export", "gguf", model, dir.Combine("lora.gguf"), "--adapter", TestModels.TinyLora);
        Assert.True(adapter.ExitCode == 0, adapter.ToString());
        var info = SelfSpecCli.Run("export", "gguf-info", dir.Combine("lora.gguf"));
        Assert.Contains("general.type = adapter", info.StdOut);
        Assert.Contains("adapter.lora.alpha = 16", info.StdOut);
        var merged = SelfSpecCli.Run("export", "gguf", model, dir.Combine("merged.gguf"), "--adapter", TestModels.TinyLora, "--merge");
        Assert.True(merged.ExitCode == 0, merged.ToString());
        using var weights = LlamaCpp.Load(dir.Combine("merged.gguf"));
    }

    [Fact]
    public void ExportGguf_BadInputsExitNonZeroNamingTheProblem()
    {
        using var dir = new TempDir("gguf-cli");
        var noTokenizer = SelfSpecCli.Run("export", "gguf", TestModels.TinyLlama, dir.Combine("x.gguf"));
        Assert.Equal(1, noTokenizer.ExitCode);
        Assert.Contains("tokenizer.json", noTokenizer.StdErr);
        Assert.Contains(Path.GetFullPath(TestModels.TinyLlama), noTokenizer.StdErr);

        var model = TestModels.TinyLlamaWithTokenizer(dir);
        var badType = SelfSpecCli.Run("export", "gguf", model, dir.Combine("x.gguf"), "--type", "q4_k");
        Assert.Equal(1, badType.ExitCode);
        Assert.Contains("--type 'q4_k'", badType.StdErr);

        var mergeAlone = SelfSpecCli.Run("export", "gguf", model, dir.Combine("x.gguf"), "--merge");
        Assert.Equal(1, mergeAlone.ExitCode);
        Assert.Contains("--merge needs --adapter", mergeAlone.StdErr);
        Assert.False(File.Exists(dir.Combine("x.gguf")));
    }
}
