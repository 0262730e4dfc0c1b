using System.Text.RegularExpressions;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>
/// The generation loop's wiring (prompts, parsing, online filtering, target and budget) with the demo seeds and the
/// reference ROUGE-L. The model is replaced by a scripted completer: the loop, not the model, is under test.
/// </summary>
public class InstructionGenerationLoopTests
{
    private static IReadOnlyList<SeedRow> DemoSeeds => SeedReader.Read(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"));

    /// <summary>Per prompt: one novel instruction, a copy of the first demonstration, a too-short one, and optionally a truncated tail.</summary>
    private sealed class ScriptedCompleter(bool truncateEach = false, bool junk = false) : ITextGenerator
    {
        public List<string> Prompts { get; } = [];
        public List<SamplingSettings> Settings { get; } = [];

        public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken)
        {
            Settings.Add(settings);
            var result = new List<TextCompletion>();
            foreach (var prompt in prompts)
            {
                var n = Prompts.Count;
                Prompts.Add(prompt);
                if (junk) { result.Add(new TextCompletion(" I cannot help with that.", false)); continue; }
                var firstDemo = Regex.Match(prompt, @"###\n1\. Instruction: (.*)\n").Groups[1].Value;
                var text = $" Explain the qa{n}x qb{n}y qc{n}z qd{n}w mechanism.\n4. Input:\nContext {n}\n4. Output:\nAnswer {n}\n" +
                           $"###\n5. Instruction: {firstDemo}\n5. Input:\n<noinput>\n5. Output:\nx\n" +
                           $"###\n6. Instruction: Name it.\n6. Input:\n<noinput>\n6. Output:\ny\n###\n";
                if (truncateEach) text += "7. Instruction: Describe the cut off";
                result.Add(new TextCompletion(text, truncateEach));
            }
            return Task.FromResult<IReadOnlyList<TextCompletion>>(result);
        }
    }

    [Fact]
    public async Task KeepsUntilTheTargetWithEveryItemAccountedFor()
    {
        var seeds = DemoSeeds;
        var completer = new ScriptedCompleter();
        var options = new InstructionGenerationOptions { TargetCount = 10, BatchSize = 4, MaxPrompts = 100, RandomSeed = 7 };
        var progress = new List<InstructionGenerationProgress>();
        var result = await new InstructionGenerationLoop(completer, new PairwiseSimilarityIndex(ReferenceRougeL.F), options)
            .RunAsync(seeds, new SyncProgress<InstructionGenerationProgress>(progress.Add));

        Assert.Equal(0, result.Shortfall);
        Assert.Equal(10, result.Kept.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"inst-{i:D6}"), result.Kept.Select(k => k.Id));
        Assert.Equal(12, completer.Prompts.Count); // one kept per prompt, batches of 4: the 10th lands in the third batch
        Assert.Equal(12, result.Raw.Count);
        Assert.Equal(result.Raw.Sum(r => r.ParsedInstructions.Count), result.Kept.Count + result.Rejected.Count);
        Assert.Equal([4, 8, 12], progress.Select(p => p.Prompts));

        // The prompts are the Table 3 prompt with the sampler's seeds for each prompt id.
        var sampler = new SeedSampler(seeds, 7);
        var prompt = new InstructionGenerationPrompt();
        for (var p = 0; p < completer.Prompts.Count; p++)
        {
            Assert.Equal(prompt.Build(sampler.ForPrompt(p)), completer.Prompts[p]);
            Assert.Equal(sampler.ForPrompt(p).Select(s => s.Id), result.Raw[p].SeedIds);
        }
        Assert.All(completer.Settings, s => { Assert.Equal(1.0, s.Temperature); Assert.Equal(0.98, s.TopP); });

        var reasons = result.Rejected.GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count());
        // Prompts 0–8 each give one kept, one copy, one too short; prompt 9's novel item is the 10th kept, so its other two
        // items and all three of prompts 10 and 11 are surplus.
        Assert.Equal(9, reasons[RejectionReasons.TooShort]);
        Assert.Equal(9, reasons.GetValueOrDefault(RejectionReasons.Duplicate) + reasons.GetValueOrDefault(RejectionReasons.TooSimilar));
        Assert.Equal(8, reasons[RejectionReasons.Surplus]);
        Assert.All(result.Kept, k => Assert.Equal(seeds.Concat(result.Kept.TakeWhile(x => x.Id != k.Id).Select(x => new SeedRow("", "", x.Instruction, "", "", "", 0)))
            .Max(s => ReferenceRougeL.F(s.Instruction, k.Instruction)), k.MaxSimilarity));
    }

    [Fact]
    public async Task AWeakModelStopsAtThePromptBudgetAndReportsTheShortfall()
    {
        var completer = new ScriptedCompleter(junk: true);
        var result = await new InstructionGenerationLoop(completer, new PairwiseSimilarityIndex(ReferenceRougeL.F),
            new InstructionGenerationOptions { TargetCount = 50, BatchSize = 3, MaxPrompts = 7 }).RunAsync(DemoSeeds);
        Assert.Equal(7, completer.Prompts.Count);
        Assert.Empty(result.Kept);
        Assert.Equal(50, result.Shortfall);
        Assert.All(result.Raw, r => Assert.Single(r.ParseErrors));
        Assert.All(result.Raw, r => Assert.Equal(" I cannot help with that.", r.Completion));
    }

    [Fact]
    public async Task TruncatedCompletionsDropTheirLastItemAndKeepTheRawText()
    {
        var completer = new ScriptedCompleter(truncateEach: true);
        var result = await new InstructionGenerationLoop(completer, new PairwiseSimilarityIndex(ReferenceRougeL.F),
            new InstructionGenerationOptions { TargetCount = 2, BatchSize = 2, MaxPrompts = 2 }).RunAsync(DemoSeeds);
        Assert.All(result.Raw, r =>
        {
            Assert.True(r.Truncated);
            Assert.EndsWith("7. Instruction: Describe the cut off", r.Completion);
            Assert.Equal(3, r.ParsedInstructions.Count);
            Assert.StartsWith("item 7: dropped", Assert.Single(r.ParseErrors));
        });
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
