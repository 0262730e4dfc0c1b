using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests.Remote;

/// <summary>
/// The pipeline generating on real <c>selfspec serve</c> child processes: a server SIGKILLed mid-stage, the CLI itself
/// SIGKILLed and resumed, greedy equality with the in-process engine, and the errors of bad specs and dead endpoints.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public sealed partial class RemoteGenerationTests(RemoteTinyModel tiny) : IClassFixture<RemoteTinyModel>
{
    private static string SeedsFile => Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");

    /// <summary>ingest → bootstrapBaseModel (the spec) → generateInstructions on the model it hands over.</summary>
    private static WorkflowDefinition InstructionChain(string spec, int maxPrompts) => Chain(
        ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
        ("bootstrap", "SelfSpec.BootstrapBaseModel", [("baseModel", Lit(spec, "String"))], ["modelPath"]),
        ("generate", "SelfSpec.GenerateInstructions",
        [
            ("model", Var("modelPath")), ("seeds", Var("seeds")), ("targetCount", Lit(1000)), ("maxPrompts", Lit(maxPrompts)),
            ("batchSize", Lit(4)), ("maxNewTokens", Lit(40)), ("randomSeed", Lit(7)),
        ], ["instructionsRaw", "promptCount"]));

    private static Process StartCli(string home, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home };
        foreach (var a in new[] { SelfSpecCli.DllPath }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["SELFSPEC_HOME"] = home;
        psi.Environment["COLUMNS"] = "250";
        return Process.Start(psi)!;
    }

    private static async Task<(int Code, string Out)> FinishAsync(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    private static List<long> PromptIds(string parquet) =>
        DuckDb.Rows(DuckDb.Inspect(parquet)).Select(r => long.Parse(r["prompt_id"]!.ToString(), CultureInfo.InvariantCulture)).ToList();

    /// <summary>The per-endpoint request counts the activity logs ("URL n done, m failed").</summary>
    private static Dictionary<string, (int Done, int Failed)> EndpointCounts(string logs)
    {
        return CountPattern().Matches(Unwrapped(logs)).ToDictionary(m => m.Groups[1].Value,
            m => (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
    }

    /// <summary>The log without the line breaks the CLI wraps long lines with (a wrapped line ends in the space it broke at).</summary>
    private static string Unwrapped(string logs) => logs.Replace(" \n", " ", StringComparison.Ordinal);

    [GeneratedRegex(@"(http://\S+/v1/) (\d+) done, (\d+) failed")]
    private static partial Regex CountPattern();

    [Fact]
    public async Task TwoServersOneKilledMidInstructionGenerationTheRunFinishesWithEveryPromptOnceAndVerifies()
    {
        using var a = tiny.Serve();
        using var b = tiny.Serve();
        using var home = new TempDir("selfspec-remote-kill-");
        const int Prompts = 24;
        var workflow = home.Combine("chain.json");
        File.WriteAllText(workflow, WorkflowDefinitionSerializer.Write(InstructionChain($"openai:{a.V1};{b.V1}#tiny&concurrency=2&weights={tiny.ModelPath}", Prompts)));
        var run = StartCli(home.FullPath, "run", workflow, "--instance", "kill");
        var finished = FinishAsync(run);
        // Kill b once it has finished some rows of the stage and has more in flight.
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (b.MetricSum("vllm:request_success_total") < 3 && DateTime.UtcNow < deadline && !run.HasExited) await Task.Delay(20);
        var bFinishedBeforeKill = b.MetricSum("vllm:request_success_total");
        b.Kill();
        Assert.InRange(bFinishedBeforeKill, 3, Prompts - 1);

        var (code, output) = await finished;
        Assert.True(code == 0, output);
        var raw = Directory.GetFiles(home.Combine("runs", "kill"), "instructions_raw.parquet", SearchOption.AllDirectories).Single();
        Assert.Equal(Enumerable.Range(0, Prompts).Select(i => (long)i), PromptIds(raw)); // every prompt once, in order

        var logs = SelfSpecCli.Run(["runs", "logs", "kill"], home.FullPath, new Dictionary<string, string> { ["SELFSPEC_HOME"] = home.FullPath, ["COLUMNS"] = "400" });
        var counts = EndpointCounts(logs.StdOut);
        Assert.True(counts.ContainsKey(a.V1 + "/") && counts.ContainsKey(b.V1 + "/"), logs.StdOut);
        var (aDone, _) = counts[a.V1 + "/"];
        var (bDone, bFailed) = counts[b.V1 + "/"];
        // Each row was delivered once: the killed server's finished rows were kept, its unfinished ones redone on a.
        Assert.Equal(Prompts + 1, aDone + bDone); // + the model listing of the connection check
        Assert.True(bFailed >= 1, logs.StdOut);
        var aCompletions = a.MetricSum("vllm:request_success_total");
        Assert.InRange(aCompletions, aDone - 1, aDone);
        Assert.Equal(Prompts, aCompletions + (bDone - (aCompletions == aDone ? 1 : 0)));

        var verify = SelfSpecCli.Run(["runs", "verify", "kill"], home.FullPath, new Dictionary<string, string> { ["SELFSPEC_HOME"] = home.FullPath, ["COLUMNS"] = "250" });
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Empty(Directory.GetDirectories(home.Combine("runs", "kill"), "remote-*", SearchOption.AllDirectories)); // the journal is gone once the artifact is
    }

    [Fact]
    public async Task TheCliKilledMidInstructionGenerationResumesWithoutRegeneratingFinishedRows()
    {
        using var server = tiny.Serve();
        using var home = new TempDir("selfspec-remote-resume-");
        const int Prompts = 24;
        var workflow = home.Combine("chain.json");
        File.WriteAllText(workflow, WorkflowDefinitionSerializer.Write(InstructionChain($"openai:{server.V1}#tiny&concurrency=2", Prompts)));
        var victim = StartCli(home.FullPath, "run", workflow, "--instance", "crash");
        _ = FinishAsync(victim);
        string? journal = null;
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline && !victim.HasExited)
        {
            journal ??= Directory.Exists(home.Combine("runs")) ? Directory.GetFiles(home.Combine("runs"), "completions.jsonl", SearchOption.AllDirectories).FirstOrDefault() : null;
            if (journal is not null && File.ReadAllLines(journal).Length >= 6) break;
            await Task.Delay(20);
        }
        victim.Kill(); // SIGKILL: no handler runs
        await victim.WaitForExitAsync();
        Assert.NotNull(journal);
        // Requests the dead client left in flight still finish on the server; count from when it is idle.
        while (server.MetricSum("vllm:num_requests_running") + server.MetricSum("vllm:num_requests_waiting") > 0) await Task.Delay(50);
        var kept = File.ReadAllLines(journal!).Length;
        Assert.InRange(kept, 6, Prompts - 1);
        var before = server.MetricSum("vllm:request_success_total");

        var (code, output) = await FinishAsync(StartCli(home.FullPath, "runs", "resume", "crash"));
        Assert.True(code == 0, output);
        Assert.Equal(Prompts - kept, server.MetricSum("vllm:request_success_total") - before); // only the unfinished rows were generated
        var raw = Directory.GetFiles(home.Combine("runs", "crash"), "instructions_raw.parquet", SearchOption.AllDirectories).Single();
        Assert.Equal(Enumerable.Range(0, Prompts).Select(i => (long)i), PromptIds(raw));
        var logs = SelfSpecCli.Run(["runs", "logs", "crash"], home.FullPath, new Dictionary<string, string> { ["SELFSPEC_HOME"] = home.FullPath, ["COLUMNS"] = "400" });
        Assert.True(Unwrapped(logs.StdOut).Contains($"{kept} completions finished by an earlier attempt are reused", StringComparison.Ordinal), logs.StdOut);

        // The same chain uninterrupted (the stage forced, not reused) against the same server: the same completions,
        // since every request carries a seed from the run's seed and the prompt's id and the server honours it.
        var (refCode, refOutput) = await FinishAsync(StartCli(home.FullPath, "run", workflow, "--instance", "reference", "--force", "generate"));
        Assert.True(refCode == 0, refOutput);
        var reference = Directory.GetFiles(home.Combine("runs", "reference"), "instructions_raw.parquet", SearchOption.AllDirectories).Single();
        static List<string> Completions(string file) => DuckDb.Rows(DuckDb.Inspect(file)).Select(r => r["completion"]!.ToString()).ToList();
        Assert.Equal(Completions(reference), Completions(raw));
    }

    [Fact]
    public async Task GreedyContinuationsOverTheApiEqualTheInProcessEngine()
    {
        using var server = tiny.Serve();
        string[] prompts = ["Definition: Classify the sentence.\nInput: Aspirin reduces fever.\nOutput:", "Explain insulin resistance.", "What do beta blockers do?"];
        using var remote = await RemoteModel.ConnectAsync($"openai:{server.V1}", "model", CancellationToken.None);
        Assert.Equal("tiny", remote.ModelName); // the only served model needs no name
        var overApi = await new RemoteCompletionModel(remote, remote.ModelName).CompleteAsync(prompts, 24, CancellationToken.None);
        using var local = new LlmCompletionModel(tiny.ModelPath, null, batchSize: 1);
        Assert.Equal(await local.CompleteAsync(prompts, 24, CancellationToken.None), overApi);
    }

    [Fact]
    public async Task SampledInstructionCompletionsDependOnThePromptIdOnlyAndEqualTheServersForTheSameSeed()
    {
        // The paper's sampling (temperature 1.0, top-p 0.98): each row draws from its own generator seeded by
        // RowSeed(seed, prompt id), in process at any batch size and on the server through `seed`.
        using var server = tiny.Serve();
        string[] prompts = ["Definition: Classify the sentence.\nInput: Aspirin reduces fever.\nOutput:", "Explain insulin resistance.", "What do beta blockers do?",
            "List three symptoms of anaemia.", "Summarise the abstract."];
        int[] ids = [3, 11, 12, 40, 41];
        var settings = new SamplingSettings { Temperature = 1.0, TopP = 0.98, MaxNewTokens = 24, Seed = 7 };

        using var model = SelfSpec.Llm.Models.LlamaModel.Load(tiny.ModelPath);
        var tokenizer = SelfSpec.Llm.Generation.HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
        var alone = new List<TextCompletion>();
        for (var i = 0; i < prompts.Length; i++)
            alone.AddRange(await new LlmTextGenerator(model, tokenizer, batchSize: 1).GenerateRowsAsync([ids[i]], [prompts[i]], settings, CancellationToken.None));
        var batched = await new LlmTextGenerator(model, tokenizer, batchSize: 3).GenerateRowsAsync(ids, prompts, settings, CancellationToken.None);
        Assert.Equal(alone, batched);
        // Another batch around prompt 40 leaves its completion as it was; another seed changes the completions.
        var regrouped = await new LlmTextGenerator(model, tokenizer, batchSize: 8).GenerateRowsAsync([40, 3], [prompts[3], prompts[0]], settings, CancellationToken.None);
        Assert.Equal([alone[3], alone[0]], regrouped);
        var reseeded = await new LlmTextGenerator(model, tokenizer, batchSize: 3).GenerateRowsAsync(ids, prompts, settings with { Seed = 8 }, CancellationToken.None);
        Assert.NotEqual(alone, reseeded);

        using var remote = await RemoteModel.ConnectAsync($"openai:{server.V1}", "model", CancellationToken.None);
        var overApi = await new RemoteTextGenerator(remote, remote.ModelName).GenerateRowsAsync(ids, prompts, settings, CancellationToken.None);
        Assert.Equal(alone, overApi);
    }

    [Fact]
    public async Task BadSpecsAndDeadEndpointsAreClearErrorsNamingTheInput()
    {
        using var server = tiny.Serve("--lora-modules", "tiny-lora=" + TinyModel.AdapterPath);
        async Task<string> BootstrapError(string spec)
        {
            using var host = new PipelineHost();
            var result = await host.RunChainAsync(("bootstrap", "SelfSpec.BootstrapBaseModel", [("baseModel", Lit(spec, "String"))], ["modelPath"]));
            Assert.Equal(WorkflowStatus.Faulted, result.Status);
            return result.Error + string.Join("\n", result.Records.Select(r => r.Error));
        }
        Assert.Contains("unknown scheme 'vllm:'", await BootstrapError($"vllm:{server.V1}"));
        Assert.Contains("'gpu1:8000' is not an http(s) URL", await BootstrapError("openai:gpu1:8000"));
        Assert.Contains("names no endpoint", await BootstrapError("openai:#tiny"));
        var several = await BootstrapError($"openai:{server.V1}");
        Assert.Contains("baseModel", several);
        Assert.Contains("the endpoints serve 2 models ('tiny', 'tiny-lora'); name one after '#'", several);
        Assert.Contains("do not serve a model named 'llama'", await BootstrapError($"openai:{server.V1}#llama"));
        var down = $"http://127.0.0.1:{FreePort()}/v1";
        var dead = await BootstrapError($"openai:{down}#tiny");
        Assert.Contains("cannot reach the model's endpoints: no endpoint answered after 7 tries", dead);
        Assert.Contains(down + "/", dead);

        // Training runs in process: a spec without weights= says what to add.
        using var host = new PipelineHost();
        var train = await host.RunChainAsync(("train", "SelfSpec.TrainAdapter",
            [("model", Lit($"openai:{server.V1}#tiny", "String")), ("sft", ArtifactInput(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl")))], ["adapterPath"]));
        Assert.Equal(WorkflowStatus.Faulted, train.Status);
        Assert.Contains("needs the same weights locally: add weights=FOLDER", train.Error + string.Join("\n", train.Records.Select(r => r.Error)));
    }

    [Fact]
    public async Task WhenEveryEndpointDiesMidStageTheActivityFaultsNamingThemAndKeepsFinishedRows()
    {
        var server = tiny.Serve();
        using var host = new PipelineHost();
        var run = host.RunChainAsync(
            ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
            ("generate", "SelfSpec.GenerateInstructions",
            [
                ("model", Lit($"openai:{server.V1}#tiny&concurrency=2", "String")), ("seeds", Var("seeds")), ("targetCount", Lit(1000)),
                ("maxPrompts", Lit(40)), ("batchSize", Lit(2)), ("maxNewTokens", Lit(40)),
            ], ["instructionsRaw"]));
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (server.MetricSum("vllm:request_success_total") < 4 && DateTime.UtcNow < deadline) await Task.Delay(20);
        server.Kill();
        var result = await run;
        server.Dispose();
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var error = result.Error + string.Join("\n", result.Records.Select(r => r.Error));
        Assert.Contains("no endpoint answered after 7 tries", error);
        Assert.Contains(server.V1 + "/", error);
        Assert.Contains("finished completions are kept in", error);
        var journal = Directory.GetFiles(host.Dir.FullPath, "completions.jsonl", SearchOption.AllDirectories).Single();
        Assert.InRange(File.ReadAllLines(journal).Length, 4, 39);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GenerateResponsesOverTheApiWithTheWholeVocabularyWritesTheInProcessRows(bool contrastive)
    {
        using var server = tiny.Serve();
        InstructionRow[] instructions =
        [
            new("inst-000001", 0, "Which fusion protein does imatinib inhibit?", "", 0.2, null),
            new("inst-000002", 0, "Identify the disease in the sentence.", "Mutations in the CFTR gene cause cystic fibrosis.", 0.1, null),
            new("inst-000003", 1, "Name the vitamin deficient in scurvy.", "", 0.1, null),
        ];
        RetrievalRow[] retrievals =
        [
            new("inst-000001", 1, "101", 7.5, 0.8, "Imatinib in CML", "Imatinib blocks the BCR-ABL fusion protein."),
            new("inst-000001", 2, "102", 6.0, 0.18, "Kinase inhibitors", "Tyrosine kinase inhibitors treat leukemia."),
            new("inst-000002", 1, "201", 4.0, 1.0, "CFTR", "Cystic fibrosis is caused by CFTR mutations."),
        ];
        async Task<List<System.Text.Json.Nodes.JsonObject>> Rows(string model)
        {
            using var host = new PipelineHost();
            var instructionsFile = host.Dir.Combine("instructions.parquet");
            var retrievalsFile = host.Dir.Combine("retrievals.parquet");
            SelfSpec.Parquet.Serialization.ParquetSerializer.Write(instructionsFile, instructions);
            SelfSpec.Parquet.Serialization.ParquetSerializer.Write(retrievalsFile, retrievals);
            (string, InputValue)[] inputs =
            [
                ("model", Lit(model, "String")), ("instructions", ArtifactInput(instructionsFile)), ("retrievals", ArtifactInput(retrievalsFile)),
                ("maxNewTokens", Lit(10)), ("docTemperature", Lit(2.0)),
                .. contrastive ? [("adapter", Lit(TinyModel.AdapterPath, "String")), ("contrastiveAlpha", Lit(0.1))] : Array.Empty<(string, InputValue)>(),
            ];
            var result = await host.RunChainAsync(("respond", "SelfSpec.GenerateResponses", inputs, ["sft"]));
            Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
            return DuckDb.Rows(DuckDb.Inspect(ArtifactPath(result, "respond", "sft")));
        }
        var local = await Rows(tiny.ModelPath);
        var remote = await Rows($"openai:{server.V1}#tiny&logprobs=320");
        Assert.Equal(local.Count, remote.Count);
        for (var i = 0; i < local.Count; i++)
        {
            Assert.Equal(local[i]["instruction_id"]!.ToString(), remote[i]["instruction_id"]!.ToString());
            Assert.Equal(local[i]["output"]!.ToString(), remote[i]["output"]!.ToString());
            Assert.Equal(local[i]["doc_ids"]!.ToJsonString(), remote[i]["doc_ids"]!.ToJsonString());
            Assert.Equal(local[i]["mean_token_log_prob"]!.GetValue<double>(), remote[i]["mean_token_log_prob"]!.GetValue<double>(), 1e-4);
        }
    }

    [Fact]
    public async Task EvaluateOverTheApiPredictsAsInProcessForTheBaseAndTheAdapterByName()
    {
        using var server = tiny.Serve();
        async Task<List<string>> Predictions(string model)
        {
            using var host = new PipelineHost();
            var result = await host.RunChainAsync(("eval", "SelfSpec.Evaluate",
            [
                ("model", Lit(model, "String")), ("adapter", Lit(TinyModel.AdapterPath, "String")),
                ("dataset", Lit(Path.Combine(Paths.RepoRoot, "data", "eval", "demo_eval.jsonl"), "String")), ("shots", Lit("0", "String")),
                ("maxInstancesPerDataset", Lit(1)),
            ], ["predictions"]));
            Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
            return DuckDb.Rows(DuckDb.Inspect(ArtifactPath(result, "eval", "predictions")))
                .Select(r => $"{r["role"]} {r["dataset"]} {r["id"]}: {r["prediction"]}").ToList();
        }
        var local = await Predictions(tiny.ModelPath);
        var remote = await Predictions($"openai:{server.V1}#tiny");
        Assert.Contains(local, p => p.StartsWith("Specialized", StringComparison.Ordinal));
        Assert.Equal(local, remote); // base and base + adapter (registered with load_lora_adapter, requested by name), greedy
    }

    [Fact]
    public async Task ContrastiveInstructionGenerationOverTheApiIsReproducibleFromTheSeed()
    {
        using var server = tiny.Serve();
        async Task<List<string>> Completions()
        {
            using var host = new PipelineHost();
            var result = await host.RunChainAsync(
                ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
                ("generate", "SelfSpec.GenerateInstructions",
                [
                    ("model", Lit($"openai:{server.V1}#tiny&logprobs=320", "String")), ("adapter", Lit(TinyModel.AdapterPath, "String")),
                    ("contrastiveAlpha", Lit(0.1)), ("seeds", Var("seeds")), ("targetCount", Lit(100)), ("maxPrompts", Lit(3)),
                    ("batchSize", Lit(3)), ("maxNewTokens", Lit(6)), ("randomSeed", Lit(11)),
                ], ["instructionsRaw"]));
            Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
            return DuckDb.Rows(DuckDb.Inspect(ArtifactPath(result, "generate", "instructionsRaw"))).Select(r => r["completion"]!.ToString()).ToList();
        }
        // Iteration 2: expert = the adapter's served name, amateur = the base, sampled per prompt from the row's seed.
        var first = await Completions();
        Assert.Equal(3, first.Count);
        Assert.Contains(first, c => c.Length > 0);
        Assert.Equal(first, await Completions());
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
