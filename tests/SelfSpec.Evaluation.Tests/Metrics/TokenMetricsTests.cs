using SelfSpec.Evaluation.Metrics;

namespace SelfSpec.Evaluation.Tests.Metrics;

public class TokenMetricsTests
{
    // algorithms.md §3 vectors: prediction, references, BoX F1, BoX EM, SNI F1, SNI EM.
    public static TheoryData<string, string[], double, bool, double, bool> Vectors => new()
    {
        { "The Cat sat.", ["a cat sat"], 1.0, true, 0.666667, false },
        { "aspirin and ibuprofen", ["ibuprofen"], 0.5, false, 0.5, false },
        { "BRCA2 gene", TokenMetrics.SplitReferences("BRCA1, BRCA2"), 0.666667, false, 0.666667, false },
        { "", ["yes"], 0, false, 0, false },
        { "a", ["the"], 0, true, 0, false },
        { "T-cell", ["T cell"], 0, false, 0, false },
        { "the the cat", ["cat cat"], 0.666667, false, 0.4, false },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vectors_match_in_boxbart_and_sni(string prediction, string[] references, double boxF1, bool boxEm, double sniF1, bool sniEm)
    {
        Assert.Equal(boxF1, TokenMetrics.MaxF1(prediction, references, AnswerNormalization.Box), 6);
        Assert.Equal(boxEm, TokenMetrics.AnyExactMatch(prediction, references, AnswerNormalization.Box));
        Assert.Equal(sniF1, TokenMetrics.MaxF1(prediction, references, AnswerNormalization.Sni), 6);
        Assert.Equal(sniEm, TokenMetrics.AnyExactMatch(prediction, references, AnswerNormalization.Sni));
    }

    [Theory]
    [InlineData("The Cat, sat!", AnswerNormalization.Box, "cat sat")]
    [InlineData("The Cat, sat!", AnswerNormalization.Sni, "the cat sat")]
    [InlineData("“quoted” – dash", AnswerNormalization.Box, "“quoted” – dash")] // non-ASCII punctuation survives
    [InlineData("an apple\x1fthe pear", AnswerNormalization.Box, "apple pear")] // \x1f is whitespace to Python's split()
    [InlineData("theory anthem", AnswerNormalization.Box, "theory anthem")] // articles only as whole words
    public void Normalization_follows_squad(string text, AnswerNormalization mode, string expected) =>
        Assert.Equal(expected, AnswerNormalizer.Normalize(text, mode));
}
