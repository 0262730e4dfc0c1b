using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Tests.Support;

namespace SelfSpec.Pipeline.Tests;

/// <summary>Every filter rule of algorithms.md §1.3/§1.6, with the reference ROUGE-L of §2 as the similarity.</summary>
public class InstructionFilterTests
{
    private static readonly string[] Seeds =
    [
        "In this task, you are given a context and a factoid question. Answer the question with a short span copied from the context.",
        "Classify the sentence into one of the hallmarks of cancer.",
    ];

    private static InstructionFilter NewFilter(InstructionFilterOptions? options = null) => new(Seeds, ReferenceRougeL.F, options);

    [Theory]
    // target, prediction, P, R, F (algorithms.md §2, no stemming)
    [InlineData("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.", 0.625, 0.555556, 0.588235)]
    [InlineData("The cat sat on the mat.", "The cat is on the mat", 0.833333, 0.833333, 0.833333)]
    [InlineData("hello world", "", 0, 0, 0)]
    [InlineData("hello world", "!!! ...", 0, 0, 0)]
    [InlineData("Hello, World!", "hello world", 1, 1, 1)]
    [InlineData("state-of-the-art model", "state of the art models", 0.8, 0.8, 0.8)]
    [InlineData("café au lait", "cafe au lait", 0.666667, 0.666667, 0.666667)]
    [InlineData("COVID-19 cases rose 20%", "covid 19 cases rose by 20 percent", 0.714286, 1.0, 0.833333)]
    [InlineData("the the the", "the", 1.0, 0.333333, 0.5)]
    public void TheReferenceRougeLReproducesTheSpecVectors(string target, string prediction, double p, double r, double f)
    {
        var score = ReferenceRougeL.Score(target, prediction);
        Assert.Equal(p, score.P, 1e-6);
        Assert.Equal(r, score.R, 1e-6);
        Assert.Equal(f, score.F, 1e-6);
    }

    [Theory]
    [InlineData("Name three organs.", RejectionReasons.TooShort)]                    // 3 words: "≤ 3" rejects
    [InlineData("", RejectionReasons.TooShort)]
    [InlineData("   \u001f  ", RejectionReasons.TooShort)]                          // Python split() treats U+001F as whitespace
    [InlineData("Describe the\u001cgraph ok", RejectionReasons.BlacklistedKeyword)]  // 4 words once U+001C separates; then "graph"
    [InlineData("Describe the attached image briefly.", RejectionReasons.BlacklistedKeyword)]
    [InlineData("Summarise the MAPS of protein interactions here.", RejectionReasons.BlacklistedKeyword)]
    [InlineData("Please go to the pharmacy and describe dosing.", RejectionReasons.BlacklistedKeyword)]
    [InlineData("Compose music that describes a heartbeat rhythm.", RejectionReasons.BlacklistedKeyword)]
    [InlineData("Sketch a flowchart of the diagnostic pathway.", RejectionReasons.BlacklistedKeyword)]
    [InlineData("Write a program that counts codons in DNA.", RejectionReasons.WriteAProgram)]
    [InlineData("\"Explain\" the role of insulin in glucose uptake.", RejectionReasons.LeadingPunctuation)]
    [InlineData("- Explain the role of insulin in glucose uptake.", RejectionReasons.LeadingPunctuation)]
    [InlineData("Étudiez le rôle de l'insuline dans le glucose.", RejectionReasons.NonAsciiStart)]
    [InlineData("α-synuclein aggregates in which neurological disease?", RejectionReasons.NonAsciiStart)]
    public void EachRuleRejectsWithItsReason(string instruction, string reason)
    {
        var decision = NewFilter().Evaluate(instruction);
        Assert.False(decision.Kept);
        Assert.Equal(reason, decision.Reason);
        Assert.False(string.IsNullOrWhiteSpace(decision.Detail));
    }

    [Theory]
    [InlineData("Name four major organs.")]                                   // 4 words pass
    [InlineData("Describe the graphene oxide toxicity findings.")]           // "graph" only as part of a word
    [InlineData("Explain why the patient filed a complaint about dosing.")]  // "file" only as part of a word
    [InlineData("Summarise the mapping of the human genome briefly.")]
    [InlineData("Plotting aside, explain the survival trend here.")]
    [InlineData("write a program description for a clinic newsletter today.")] // "Write a program" is case-sensitive
    [InlineData("Explain why you should go  to bed early for health.")]      // "go to" with two spaces is not the keyword
    [InlineData("5-fluorouracil inhibits which enzyme in DNA synthesis?")]   // a leading digit is not punctuation
    public void NearMissesPass(string instruction) => Assert.True(NewFilter().Evaluate(instruction).Kept, instruction);

    [Fact]
    public void TheWordLimitsAreThreeAndOneHundredFifty()
    {
        string Words(int n) => "Explain " + string.Join(' ', Enumerable.Range(1, n - 1).Select(i => $"w{i}"));
        Assert.Equal(RejectionReasons.TooShort, NewFilter().Evaluate(Words(3)).Reason);
        Assert.True(NewFilter().Evaluate(Words(4)).Kept);
        Assert.True(NewFilter().Evaluate(Words(150)).Kept);
        Assert.Equal(RejectionReasons.TooLong, NewFilter().Evaluate(Words(151)).Reason);
        Assert.Equal(150, InstructionFilter.CountWords(" " + Words(150).Replace(" ", " \t\n ") + "\n"));
    }

    [Fact]
    public void ExactDuplicatesOfSeedsAndKeptInstructionsAreRejected()
    {
        var filter = NewFilter();
        var seedCopy = filter.Evaluate(Seeds[1]);
        Assert.Equal(RejectionReasons.Duplicate, seedCopy.Reason);
        Assert.Equal(Seeds[1], seedCopy.MostSimilar);
        Assert.True(filter.Evaluate("List the adverse effects reported for the drug in the passage.").Kept);
        Assert.Equal(RejectionReasons.Duplicate, filter.Evaluate("List the adverse effects reported for the drug in the passage.").Reason);
        Assert.Equal(1, filter.KeptCount);
    }

    [Fact]
    public void NoveltyRejectsAboveSevenTenthsAndKeepsExactlySevenTenths()
    {
        // Ten tokens each, seven in common in order: F = 2·7/20 = 0.7 exactly under the reference → kept (strictly greater rejects).
        const string kept = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
        const string exactly = "alpha beta gamma delta epsilon zeta eta one two three";
        const string above = "alpha beta gamma delta epsilon zeta eta theta two three";
        Assert.Equal(0.7, ReferenceRougeL.F(kept, exactly));
        Assert.Equal(0.8, ReferenceRougeL.F(kept, above), 12);

        var filter = new InstructionFilter([kept], ReferenceRougeL.F);
        var atThreshold = filter.Evaluate(exactly);
        Assert.True(atThreshold.Kept);
        Assert.Equal(0.7, atThreshold.MaxSimilarity);
        Assert.Equal(kept, atThreshold.MostSimilar);

        var tooSimilar = new InstructionFilter([kept], ReferenceRougeL.F).Evaluate(above);
        Assert.False(tooSimilar.Kept);
        Assert.Equal(RejectionReasons.TooSimilar, tooSimilar.Reason);
        Assert.Equal(0.8, tooSimilar.MaxSimilarity!.Value, 12);
        Assert.Equal(kept, tooSimilar.MostSimilar);
    }

    [Fact]
    public void NoveltyComparesAgainstInstructionsKeptEarlierInTheSameRun()
    {
        var filter = NewFilter();
        const string first = "Identify every disease mentioned in the clinical note below.";
        const string close = "Identify every disease mentioned in the clinical notes below.";
        Assert.True(filter.Evaluate(first).Kept);
        var second = filter.Evaluate(close);
        Assert.Equal(RejectionReasons.TooSimilar, second.Reason);
        Assert.Equal(first, second.MostSimilar);
        Assert.Equal(ReferenceRougeL.F(first, close), second.MaxSimilarity);
        Assert.Equal(1, filter.KeptCount);
    }

    [Fact]
    public void TheKeptDecisionReportsTheMostSimilarPoolText()
    {
        var decision = NewFilter().Evaluate("Answer the factoid question using a short span from the passage.");
        Assert.True(decision.Kept);
        Assert.Equal(Seeds[0], decision.MostSimilar);
        Assert.Equal(Seeds.Max(s => ReferenceRougeL.F(s, "Answer the factoid question using a short span from the passage.")), decision.MaxSimilarity);
    }

    [Fact]
    public void ParallelPairwiseIndexAgreesWithSequential()
    {
        var pool = Enumerable.Range(0, 300).Select(i => $"Describe finding {i} about protein {i % 17} in tissue {i % 5}.").ToList();
        var sequential = new PairwiseSimilarityIndex(ReferenceRougeL.F);
        var parallel = new PairwiseSimilarityIndex(ReferenceRougeL.F, maxDegreeOfParallelism: 2);
        foreach (var p in pool) { sequential.Add(p); parallel.Add(p); }
        foreach (var q in new[] { "Describe finding 12 about protein 12 in tissue 2.", "Unrelated text entirely here." })
            Assert.Equal(sequential.FindMostSimilar(q), parallel.FindMostSimilar(q));
        Assert.Equal(new SimilarityMatch(0, null), new PairwiseSimilarityIndex(ReferenceRougeL.F).FindMostSimilar("x"));
    }
}
