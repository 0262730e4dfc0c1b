using System.Diagnostics;
using System.Globalization;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests.Remote;

/// <summary>
/// The main job (<c>workflows/self-specialization.json</c>) through the CLI with <c>baseModel</c> naming two real
/// <c>selfspec serve</c> processes that serve the demonstration model BootstrapBaseModel trains, one of them SIGKILLed
/// during instruction generation: the run finishes, every prompt is generated once, and <c>selfspec runs verify</c>
/// finds every artifact intact.
/// </summary>
public sealed class RemoteMainJobTests
{
    private static string Data(params string[] parts) => Path.Combine([Paths.RepoRoot, "data", .. parts]);

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task TheMainJobOnTwoServersFinishesWhenOneIsKilledDuringInstructionGeneration()
    {
        using var host = new PipelineHost();
        var bootstrap = await host.RunChainAsync(
            ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(Data("seeds", "biomedical_seeds.jsonl"), "String"))], ["seeds"]),
            ("bootstrap", "SelfSpec.BootstrapBaseModel", [("seeds", Var("seeds")), ("corpusPath", Lit(Data("corpus", "demo_abstracts.jsonl"), "String"))], ["modelPath"]));
        Assert.True(bootstrap.Status == WorkflowStatus.Finished, bootstrap.Error);
        var model = Outputs(bootstrap, "bootstrap")["modelPath"]!.ToString();

        using var a = SelfSpecServer.Start(model, "--served-model-name", "demo");
        using var b = SelfSpecServer.Start(model, "--served-model-name", "demo");
        var home = host.Dir.Combine("home");
        Directory.CreateDirectory(home);
        string[] inputs =
        [
            $"baseModel=openai:{a.V1};{b.V1}#demo&weights={model}&concurrency=4", "instructionMaxTokens=400",
            $"seedsPath={Data("seeds", "biomedical_seeds.jsonl")}", $"corpusPath={Data("corpus", "demo_abstracts.jsonl")}",
            $"indexFolder={host.Dir.Combine("index")}", $"evalDataset={Data("eval", "demo_eval.jsonl")}", $"outputFolder={host.Dir.Combine("out")}",
            "instructionCount=2", "maxPrompts=400", "retrievalK=2", "epochs=1", "batchSize=4", "shots=0", "maxEvalInstances=1", "randomSeed=42",
        ];
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        foreach (var arg in new[] { SelfSpecCli.DllPath, "run", Path.Combine(Paths.RepoRoot, "workflows", "self-specialization.json"), "--instance", "main" }
                     .Concat(inputs.SelectMany(i => new[] { "-i", i })))
            psi.ArgumentList.Add(arg);
        psi.Environment["SELFSPEC_HOME"] = home;
        psi.Environment["COLUMNS"] = "250";
        using var run = Process.Start(psi)!;
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();

        // b dies once it has delivered some completions of the instruction stage.
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (b.MetricSum("vllm:request_success_total") < 4 && DateTime.UtcNow < deadline && !run.HasExited) await Task.Delay(50);
        Assert.False(run.HasExited, await stdout + await stderr);
        b.Kill();

        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20))) await run.WaitForExitAsync(timeout.Token);
        Assert.True(run.ExitCode == 0, await stdout + await stderr);
        var raw = Directory.GetFiles(Path.Combine(home, "runs", "main"), "instructions_raw.parquet", SearchOption.AllDirectories).Single();
        var ids = DuckDb.Rows(DuckDb.Inspect(raw)).Select(r => long.Parse(r["prompt_id"]!.ToString(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, ids.Count).Select(i => (long)i), ids); // every prompt once
        var env = new Dictionary<string, string> { ["SELFSPEC_HOME"] = home, ["COLUMNS"] = "250" };
        var verify = SelfSpecCli.Run(["runs", "verify", "main"], home, env);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var logs = SelfSpecCli.Run(["runs", "logs", "main"], home, env).StdOut.Replace(" \n", " ", StringComparison.Ordinal);
        Assert.Contains($"{b.V1}/", logs);
        Assert.True(File.Exists(Path.Combine(host.Dir.Combine("out"), "trainAdapter", "adapter", "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(host.Dir.Combine("out"), "evaluate", "report.md")));
    }
}
