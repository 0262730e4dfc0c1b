using System.Diagnostics;
using System.Runtime.InteropServices;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;

namespace SelfSpec.Gguf.Tests;

/// <summary>Ctrl-C during <c>selfspec export gguf</c> (the real CLI as a child process) leaves no output file.</summary>
public sealed partial class ExportInterruptTests
{
    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task CtrlCMidExport_ExitsWith130AndLeavesNoFile()
    {
        using var dir = new TempDir("gguf-sigint");
        // ~29M parameters (115 MB of f32), quantised to Q8_0 on the way: the export takes long enough to be still writing
        // when the interrupt arrives (as f32 it could finish in the tens of milliseconds between the first progress line
        // and the signal: the test failed about one run in three on a quiet machine).
        var model = dir.Combine("model");
        var config = new LlamaConfig
        {
            ModelType = "llama", VocabSize = 32000, HiddenSize = 256, IntermediateSize = 1024, NumLayers = 12, NumHeads = 4, NumKeyValueHeads = 4,
            HeadDim = 64, RmsNormEps = 1e-5, MaxPositions = 512, BosTokenId = 1, EosTokenIds = [2],
        };
        using (var random = LlamaModel.CreateRandom(config, seed: 3)) LlamaCheckpointWriter.Save(random, model);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Paths.Fixture("tokenizers", "llama2", f), Path.Combine(model, f));
        var outDir = dir.Combine("out");
        Directory.CreateDirectory(outDir);

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { SelfSpecCli.DllPath, "export", "gguf", model, Path.Combine(outDir, "model.gguf"), "--type", "q8_0" })
            psi.ArgumentList.Add(a);
        InterruptSignal.DeliverToChildren();
        using var process = Process.Start(psi)!;
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var firstTensor = new ManualResetEventSlim();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == null) return;
            stderr.Enqueue(e.Data);
            if (e.Data.StartsWith("[1/", StringComparison.Ordinal)) firstTensor.Set();
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(firstTensor.Wait(TimeSpan.FromMinutes(2)), "no progress line: " + string.Join("\n", stderr));
        Assert.Equal(0, kill(process.Id, 2 /* SIGINT */));
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        await process.WaitForExitAsync();
        var log = string.Join("\n", stderr) + "\n" + await stdout;
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {log}");
        Assert.Contains("cancelled", log);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
