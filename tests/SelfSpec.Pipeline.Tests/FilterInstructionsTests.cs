using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;


namespace SelfSpec.Pipeline.Tests;

/// <summary>FilterInstructions through the workflow runtime: the online loop's decisions reproduced offline, thresholds, bad input.</summary>
public sealed class FilterInstructionsTests
{
    private static async Task<WorkflowRunResult> RunFilter(PipelineHost host, string raw, string seeds, params (string Name, Workflows.Definitions.InputValue Value)[] extra) =>
        await host.RunChainAsync(("filter", "SelfSpec.FilterInstructions",
            [("instructionsRaw", ArtifactInput(raw)), ("seeds", ArtifactInput(seeds)), .. extra], ["instructions", "rejected", "keptCount", "rejectedCount"]));

    private static void AssertFinished(WorkflowRunResult result) =>
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

    /// <summary>Replays completions made of a fixed candidate list, three items per prompt, in Alpaca's numbered format.</summary>
    private sealed class ScriptedGenerator(IReadOnlyList<string> candidates) : ITextGenerator
    {
        private int _next;

        public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken)
        {
            var results = new List<TextCompletion>();
            foreach (var _ in prompts)
            {
                var parts = new List<string>();
                for (var n = 4; n < 7; n++)
                {
                    var instruction = candidates[_next++ % candidates.Count];
                    parts.Add($"{(n == 4 ? "" : $"{n}. Instruction:")} {instruction}\n{n}. Input:\n<noinput>\n{n}. Output:\nanswer {n}\n");
                }
                results.Add(new TextCompletion(string.Join("###\n", parts), false));
            }
            return Task.FromResult<IReadOnlyList<TextCompletion>>(results);
        }
    }

    [Fact]
    public async Task ReproducesTheOnlineLoopsKeptAndRejectedExactly()
    {
        var seeds = SeedReader.Read(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"));
        string[] candidates =
        [
            seeds[0].Instruction,                                                     // duplicate of a seed
            "Identify the gene mutation that causes cystic fibrosis in this report.",
            "Identify the gene mutation that causes cystic fibrosis in the report.", // too similar to the one before
            "Draw a diagram of the cell cycle phases.",                               // blacklisted
            "Write a program that counts codons in a sequence.",                      // write_a_program
            "\"Summarize\" the discharge letter for the family doctor.",              // leading punctuation
            "Éliminez the duplicated measurements from the table.",                   // non-ASCII start
            "Name it.",                                                               // too short
            "Explain why beta blockers are contraindicated in acute asthma.",
            "List the adverse events reported in the trial abstract.",
            "Classify the biopsy description as benign or malignant.",
            "Which enzyme is deficient in phenylketonuria?",
            "Give the mechanism of action of metformin in two sentences.",
            "Rewrite the sentence for a patient with low health literacy.",
        ];
        var loop = new InstructionGenerationLoop(new ScriptedGenerator(candidates), new RougeLSimilarityIndex(),
            new InstructionGenerationOptions { TargetCount = 7, BatchSize = 3, MaxPrompts = 40 });
        var online = await loop.RunAsync(seeds);
        Assert.Equal(7, online.Kept.Count);
        Assert.Contains(online.Rejected, r => r.Reason == RejectionReasons.Surplus); // the target is reached inside a batch

        using var host = new PipelineHost();
        var rawPath = host.Dir.Combine("instructions_raw.parquet");
        var seedsPath = host.Dir.Combine("seeds.parquet");
        ParquetSerializer.Write(rawPath, online.Raw);
        ParquetSerializer.Write(seedsPath, seeds);
        var result = await RunFilter(host, rawPath, seedsPath, ("maxInstructions", Lit(7)));
        AssertFinished(result);
        var kept = ParquetSerializer.Read<InstructionRow>(ArtifactPath(result, "filter", "instructions"));
        var rejected = ParquetSerializer.Read<RejectedInstructionRow>(ArtifactPath(result, "filter", "rejected"));
        Assert.Equal(online.Kept, kept);
        Assert.Equal(online.Rejected, rejected);
        foreach (var reason in new[] { RejectionReasons.Duplicate, RejectionReasons.TooSimilar, RejectionReasons.BlacklistedKeyword, RejectionReasons.WriteAProgram,
                     RejectionReasons.LeadingPunctuation, RejectionReasons.NonAsciiStart, RejectionReasons.TooShort })
            Assert.Contains(rejected, r => r.Reason == reason);

        var outputs = Outputs(result, "filter");
        var items = online.Raw.Sum(r => r.ParsedInstructions.Count);
        Assert.Equal(items, outputs["keptCount"]!.GetValue<int>() + outputs["rejectedCount"]!.GetValue<int>());

        // the artifacts open in DuckDB with the documented columns and the same counts
        var keptDoc = DuckDb.Inspect(ArtifactPath(result, "filter", "instructions"));
        Assert.Equal(["id", "prompt_id", "instruction", "input", "max_similarity", "most_similar"], DuckDb.ColumnNames(keptDoc));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"inst-{i:D6}"), DuckDb.Rows(keptDoc).Select(r => r["id"]!.ToString()));
        var rejectedDoc = DuckDb.Inspect(ArtifactPath(result, "filter", "rejected"));
        Assert.Equal(["prompt_id", "item_index", "instruction", "input", "reason", "detail", "max_similarity", "most_similar"], DuckDb.ColumnNames(rejectedDoc));
        Assert.Equal(items - 7, DuckDb.Rows(rejectedDoc).Count);
        Assert.Equal("SelfSpec.FilterInstructions", DuckDb.KeyValues(keptDoc)[ArtifactMetadata.ActivityKey]);
    }

    [Theory]
    // algorithms.md §2 vectors: F(row 1) = 0.588235, F(row 2) = 0.833333, F(row 7) = 0.833333; every other pair
    // (and every pair with the seeds) scores below 0.5.
    [InlineData(0.5, new[] { "a", "c", "e" })]
    [InlineData(0.7, new[] { "a", "b", "c", "e" })]
    [InlineData(0.85, new[] { "a", "b", "c", "d", "e", "f" })]
    public async Task TheThresholdDecidesAsTheRougeLVectorsPredict(double threshold, string[] expectedKept)
    {
        var items = new Dictionary<string, string>
        {
            ["a"] = "The quick brown fox jumps over the lazy dog",
            ["b"] = "The quick brown dog jumps on the log.",
            ["c"] = "The cat sat on the mat.",
            ["d"] = "The cat is on the mat",
            ["e"] = "COVID-19 cases rose 20%",
            ["f"] = "covid 19 cases rose by 20 percent",
        };
        SeedRow[] seeds =
        [
            new("s1", "t", "Classify the sentiment of a clinical note.", "", "positive", "seeds.jsonl", 1),
            new("s2", "t", "Extract every drug name from the abstract.", "", "aspirin", "seeds.jsonl", 2),
            new("s3", "t", "Summarize the findings of the trial in one sentence.", "", "It worked.", "seeds.jsonl", 3),
        ];
        var keys = items.Keys.ToList();
        InstructionRawRow Row(long prompt, params string[] ks) =>
            new(prompt, ["s1", "s2", "s3"], "(completion)", false, ks.Select(k => items[k]).ToList(), ks.Select(_ => "").ToList(), ks.Select(k => "out " + k).ToList(), [], []);
        InstructionRawRow[] raw = [Row(0, "a", "b", "c"), Row(1, "d"), Row(2, "e", "f")];

        using var host = new PipelineHost();
        var rawPath = host.Dir.Combine("raw.parquet");
        var seedsPath = host.Dir.Combine("seeds.parquet");
        ParquetSerializer.Write(rawPath, raw);
        ParquetSerializer.Write(seedsPath, seeds);
        var result = await RunFilter(host, rawPath, seedsPath, ("similarityThreshold", Lit(threshold)));
        AssertFinished(result);
        var kept = ParquetSerializer.Read<InstructionRow>(ArtifactPath(result, "filter", "instructions"));
        var rejected = ParquetSerializer.Read<RejectedInstructionRow>(ArtifactPath(result, "filter", "rejected"));
        Assert.Equal(expectedKept.Select(k => items[k]), kept.Select(k => k.Instruction));
        Assert.Equal(6, kept.Count + rejected.Count);
        Assert.All(rejected, r => Assert.Equal(RejectionReasons.TooSimilar, r.Reason));

        // the similarity each decision saw is the documented vector (checked against the test's own ROUGE-L too)
        var expected = new Dictionary<string, (double F, string Against)> { ["b"] = (0.588235, "a"), ["d"] = (0.833333, "c"), ["f"] = (0.833333, "e") };
        foreach (var (k, (f, against)) in expected)
        {
            Assert.Equal(f, ReferenceRougeL.F(items[against], items[k]), 1e-6);
            var seen = kept.Where(x => x.Instruction == items[k]).Select(x => (x.MaxSimilarity, x.MostSimilar))
                .Concat(rejected.Where(x => x.Instruction == items[k]).Select(x => (x.MaxSimilarity ?? -1, x.MostSimilar))).Single();
            if (expectedKept.Contains(against))
            {
                Assert.Equal(f, seen.Item1, 1e-6);
                Assert.Equal(items[against], seen.Item2);
            }
        }
        Assert.All(rejected, r => Assert.True(r.MaxSimilarity > threshold));
        Assert.All(kept, k => Assert.True(k.MaxSimilarity <= threshold));
    }

    [Fact]
    public async Task AMissingColumnOrFileFaultsNamingTheFileAndField()
    {
        using var host = new PipelineHost();
        var seedsPath = host.Dir.Combine("seeds.parquet");
        ParquetSerializer.Write(seedsPath, new[] { new SeedRow("s1", "t", "Classify the note.", "", "x", "f", 1) });
        var wrong = host.Dir.Combine("wrong.parquet");
        ParquetSerializer.Write(wrong, new[] { new DocumentRow("1", "t", "a") });
        var result = await RunFilter(host, wrong, seedsPath);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var error = result.Records.Single(r => r.ActivityId == "filter").Error!;
        Assert.Contains("wrong.parquet", error);
        Assert.Contains("field 'prompt_id'", error);

        var ragged = host.Dir.Combine("ragged.parquet");
        ParquetSerializer.Write(ragged, new[]
        {
            new InstructionRawRow(0, ["s1"], "c", false, ["Explain the assay in detail."], [""], ["x"], [], []),
            new InstructionRawRow(1, ["s1"], "c", false, ["Explain the assay in detail.", "List the side effects of statins."], [""], ["x", "y"], [], []),
        });
        var raggedResult = await RunFilter(host, ragged, seedsPath);
        Assert.Equal(WorkflowStatus.Faulted, raggedResult.Status);
        Assert.Contains("ragged.parquet, row 2, field 'parsed_inputs'", raggedResult.Records.Single().Error);

        var missing = host.Dir.Combine("gone.parquet");
        File.Copy(seedsPath, missing);
        var input = ArtifactInput(missing);
        File.Delete(missing);
        var gone = await host.RunChainAsync(("filter", "SelfSpec.FilterInstructions", [("instructionsRaw", input), ("seeds", ArtifactInput(seedsPath))], ["instructions"]));
        Assert.Equal(WorkflowStatus.Faulted, gone.Status);
        var goneError = gone.Records.Single(r => r.ActivityId == "filter").Error!;
        Assert.Contains("gone.parquet", goneError);
        Assert.Contains("field 'instructionsRaw'", goneError);
    }
}
