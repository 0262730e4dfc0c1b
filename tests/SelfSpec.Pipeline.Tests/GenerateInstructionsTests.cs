using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>GenerateInstructions through the workflow runtime on the tiny fixture Llama (IngestSeeds → GenerateInstructions).</summary>
public sealed class GenerateInstructionsTests(TinyModel tiny) : IClassFixture<TinyModel>
{
    private static string SeedsFile => Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");

    private async Task<WorkflowRunResult> Run(PipelineHost host, params (string Name, InputValue Value)[] inputs)
    {
        (string, InputValue)[] defaults =
        [
            ("model", Lit(tiny.ModelPath, "String")), ("seeds", Var("seeds")), ("targetCount", Lit(5)), ("maxPrompts", Lit(4)),
            ("batchSize", Lit(2)), ("maxNewTokens", Lit(24)), ("randomSeed", Lit(5)),
        ];
        var merged = defaults.Where(d => inputs.All(i => i.Name != d.Item1)).Concat(inputs).ToArray();
        return await host.RunChainAsync(
            ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
            ("generate", "SelfSpec.GenerateInstructions", merged, ["instructionsRaw", "promptCount", "parsedCount", "shortfall", "keptCount"]));
    }

    private static void AssertFinished(WorkflowRunResult result) =>
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task WritesTheRawArtifactReproduciblyBySeedAndReportsTheShortfall()
    {
        using var host = new PipelineHost();
        var result = await Run(host);
        AssertFinished(result);
        var outputs = Outputs(result, "generate");
        Assert.Equal(4, outputs["promptCount"]!.GetValue<int>());
        var kept = outputs["keptCount"]!.GetValue<int>();
        // A few prompts of a tiny random model cannot reach 5 instructions: the budget runs out and the gap is reported.
        Assert.True(kept < 5, $"kept {kept}");
        Assert.Equal(5 - kept, outputs["shortfall"]!.GetValue<int>());
        var logs = host.Store.GetLog(result.InstanceId).Select(l => l.Message ?? "").ToList();
        Assert.Contains(logs, l => l.Contains($"shortfall: {5 - kept} instructions short of the target 5", StringComparison.Ordinal));

        var path = ArtifactPath(result, "generate", "instructionsRaw");
        var doc = DuckDb.Inspect(path);
        Assert.Equal(["prompt_id", "seed_ids", "completion", "truncated", "parsed_instructions", "parsed_inputs", "parsed_outputs", "parse_errors", "parse_notes"],
            DuckDb.ColumnNames(doc));
        var rows = DuckDb.Rows(doc);
        Assert.Equal(["0", "1", "2", "3"], rows.Select(r => r["prompt_id"]!.ToString()));
        Assert.Equal(outputs["parsedCount"]!.GetValue<int>(), rows.Sum(r => r["parsed_instructions"]!.AsArray().Count));
        var kv = DuckDb.KeyValues(doc);
        Assert.Equal("SelfSpec.GenerateInstructions", kv[ArtifactMetadata.ActivityKey]);
        // parquet-inspect shortens footer values to 200 characters, so the parameters are read with our reader
        using var reader = SelfSpec.Parquet.Reading.ParquetReader.Open(path);
        var parameters = JsonNode.Parse(reader.KeyValueMetadata[ArtifactMetadata.ParametersKey]!)!;
        Assert.Equal(5, parameters["target_count"]!.GetValue<int>());
        Assert.Equal(0.98, parameters["top_p"]!.GetValue<double>());

        // Prompt p shows the sampler's seeds for p, and the first batch's completions are what the engine samples for
        // those prompts directly (same batch, seed = randomSeed + first prompt id).
        var seeds = SeedReader.Read(SeedsFile);
        var sampler = new SeedSampler(seeds, 5);
        for (var p = 0; p < 4; p++) Assert.Equal(sampler.ForPrompt(p).Select(s => s.Id), rows[p]["seed_ids"]!.AsArray().Select(x => x!.ToString()));
        using (var llama = LlamaModel.Load(tiny.ModelPath))
        {
            var tokenizer = HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
            var prompt = new InstructionGenerationPrompt("biomedical");
            var direct = await new LlmTextGenerator(llama, tokenizer, batchSize: 2).GenerateAsync(
                [prompt.Build(sampler.ForPrompt(0)), prompt.Build(sampler.ForPrompt(1))],
                new SamplingSettings { MaxNewTokens = 24, Seed = 5 }, CancellationToken.None);
            Assert.Equal(direct.Select(d => d.Text), rows.Take(2).Select(r => r["completion"]!.ToString()));
            Assert.Equal(direct.Select(d => d.Truncated), rows.Take(2).Select(r => r["truncated"]!.GetValue<bool>()));
        }

        // the same inputs in a fresh home give a byte-identical artifact; another seed gives other completions
        using var again = new PipelineHost();
        var second = await Run(again);
        AssertFinished(second);
        Assert.Equal(Sha(path), Sha(ArtifactPath(second, "generate", "instructionsRaw")));
        using var other = new PipelineHost();
        var third = await Run(other, ("randomSeed", Lit(6)));
        AssertFinished(third);
        var otherRows = DuckDb.Rows(DuckDb.Inspect(ArtifactPath(third, "generate", "instructionsRaw")));
        Assert.NotEqual(rows.Select(r => r["completion"]!.ToString()), otherRows.Select(r => r["completion"]!.ToString()));
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task ContrastiveSamplingUsesTheAdapterAsExpertAndTheBaseAsAmateur()
    {
        using var host = new PipelineHost();
        var result = await Run(host, ("adapter", Lit(TinyModel.AdapterPath, "String")), ("contrastiveAlpha", Lit(0.1)), ("maxPrompts", Lit(1)),
            ("maxNewTokens", Lit(12)));
        AssertFinished(result);
        var rows = DuckDb.Rows(DuckDb.Inspect(ArtifactPath(result, "generate", "instructionsRaw")));
        Assert.Single(rows);

        var seeds = SeedReader.Read(SeedsFile);
        using var llama = LlamaModel.Load(tiny.ModelPath);
        using var adapter = LoraAdapter.Load(TinyModel.AdapterPath, llama.Config, llama.DType);
        var tokenizer = HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
        var prompt = new InstructionGenerationPrompt("biomedical").Build(new SeedSampler(seeds, 5).ForPrompt(0));
        var stops = new SamplingSettings().StopSequences;
        var direct = new ContrastiveDecoder(llama, adapter, null, tokenizer).Generate(tokenizer.Encode(prompt),
            new GenerationOptions { MaxNewTokens = 12, Sampling = SamplingOptions.Sample(1.0, 0.98, seed: 5), StopStrings = stops },
            new ContrastiveOptions { Alpha = 0.1, Search = ContrastiveSearch.Sample });
        Assert.Equal(StopSequences.Cut(direct.Text!, stops).Text, rows[0]["completion"]!.ToString());
        // and it differs from plain sampling with the same seed
        using var plainHost = new PipelineHost();
        var plain = await Run(plainHost, ("maxPrompts", Lit(1)), ("maxNewTokens", Lit(12)));
        AssertFinished(plain);
        Assert.NotEqual(rows[0]["completion"]!.ToString(), DuckDb.Rows(DuckDb.Inspect(ArtifactPath(plain, "generate", "instructionsRaw")))[0]["completion"]!.ToString());
    }

    [Fact]
    public async Task ContrastiveWithoutAnAdapterAndAMissingModelFaultNamingTheField()
    {
        using var host = new PipelineHost();
        var noAdapter = await Run(host, ("contrastiveAlpha", Lit(0.1)));
        Assert.Equal(WorkflowStatus.Faulted, noAdapter.Status);
        Assert.Contains("field 'adapter'", noAdapter.Records.Single(r => r.ActivityId == "generate").Error);

        using var host2 = new PipelineHost();
        var missing = host2.Dir.Combine("no-such-model");
        var noModel = await Run(host2, ("model", Lit(missing, "String")));
        Assert.Equal(WorkflowStatus.Faulted, noModel.Status);
        var error = noModel.Records.Single(r => r.ActivityId == "generate").Error;
        Assert.Contains(missing, error);
        Assert.Contains("field 'model'", error);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task CancellingStopsTheRunAndLeavesNoArtifact()
    {
        using var host = new PipelineHost();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        host.Cancellation = cts.Token;
        var result = await Run(host, ("maxPrompts", Lit(1000)), ("targetCount", Lit(1000)), ("maxNewTokens", Lit(64)));
        Assert.Equal(WorkflowStatus.Cancelled, result.Status);
        Assert.Equal(ActivityStatus.Cancelled, result.Records.Single(r => r.ActivityId == "generate").Status);
        Assert.False(File.Exists(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, "generate", GenerateInstructions.FileName)));
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
