using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Tests.Support;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Tests.Metrics;

public class RougeLTests
{
    // algorithms.md §2 test vectors (target, prediction, P, R, F), unstemmed.
    public static TheoryData<string, string, double, double, double> UnstemmedVectors => new()
    {
        { "The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.", 5.0 / 8, 5.0 / 9, 10.0 / 17 },
        { "The cat sat on the mat.", "The cat is on the mat", 0.833333, 0.833333, 0.833333 },
        { "hello world", "", 0, 0, 0 },
        { "hello world", "!!! ...", 0, 0, 0 },
        { "Hello, World!", "hello world", 1, 1, 1 },
        { "state-of-the-art model", "state of the art models", 0.8, 0.8, 0.8 },
        { "café au lait", "cafe au lait", 0.666667, 0.666667, 0.666667 },
        { "COVID-19 cases rose 20%", "covid 19 cases rose by 20 percent", 5.0 / 7, 1.0, 0.833333 },
        { "the the the", "the", 1.0, 0.333333, 0.5 },
    };

    [Theory]
    [MemberData(nameof(UnstemmedVectors))]
    public void Unstemmed_vectors_match_rouge_score(string target, string prediction, double p, double r, double f)
    {
        var s = RougeL.Score(target, prediction);
        Assert.Equal(p, s.Precision, 6);
        Assert.Equal(r, s.Recall, 6);
        Assert.Equal(f, s.FMeasure, 6);
    }

    public static TheoryData<string, string, double, double, double> StemmedVectors => new()
    {
        { "The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.", 5.0 / 8, 5.0 / 9, 10.0 / 17 },
        { "state-of-the-art model", "state of the art models", 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(StemmedVectors))]
    public void Stemmed_vectors_match_rouge_score_with_the_NLTK_stemmer(string target, string prediction, double p, double r, double f)
    {
        var tokenizer = new RougeTokenizer(NltkPorterOracle.StemmerFor([target, prediction]));
        var s = RougeL.Score(target, prediction, tokenizer);
        Assert.Equal(p, s.Precision, 6);
        Assert.Equal(r, s.Recall, 6);
        Assert.Equal(f, s.FMeasure, 6);
    }

    [Fact]
    public void Tokenizer_splits_on_non_ascii_and_stems_only_words_longer_than_three()
    {
        Assert.Equal(["caf", "au", "lait"], RougeTokenizer.Unstemmed.Tokenize("Café au lait"));
        var seen = new List<string>();
        var tokenizer = new RougeTokenizer(w => { seen.Add(w); return w + "x"; });
        Assert.Equal(["the", "catsx", "ran"], tokenizer.Tokenize("The cats ran"));
        Assert.Equal(["cats"], seen);
    }

    [Fact]
    public void Max_over_references_takes_the_best()
    {
        Assert.Equal(1.0, RougeL.MaxFMeasure("BRCA2", ["BRCA1", "BRCA2"]), 9);
        Assert.Equal(0.0, RougeL.MaxFMeasure("x", []), 9);
    }
}
