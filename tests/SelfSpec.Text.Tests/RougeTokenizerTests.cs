namespace SelfSpec.Text.Tests;

public class RougeTokenizerTests
{
    [Fact]
    public void MatchesRougeScoreTokenisationWithNltkStemming()
    {
        var lines = EnglishAnalyzerTests.TrickyLines.Concat(EnglishAnalyzerTests.PubMedQaLines().Take(1500))
            .Append("The models were running; Dying skies, café naïve İstanbul K-9 ǅ").ToList();
        var expected = Oracles.RougeTokens(lines);
        for (int i = 0; i < lines.Count; i++)
            Assert.True(expected[i] == string.Join(' ', RougeTokenizer.Stemmed.Tokenize(lines[i])), $"line {i}: {lines[i]}");
    }

    [Fact]
    public void WithoutStemmingTokensAreLowerCaseAsciiRuns() =>
        Assert.Equal(["the", "models", "caf", "na", "ve", "x2"], RougeTokenizer.Unstemmed.Tokenize("The MODELS café naïve x2!"));
}
