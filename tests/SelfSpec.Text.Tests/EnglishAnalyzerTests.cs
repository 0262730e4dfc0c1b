using System.Text.Json;
using SelfSpec.TestSupport;
using SelfSpec.Text.Analysis;
using SelfSpec.Text.Segmentation;

namespace SelfSpec.Text.Tests;

public class EnglishAnalyzerTests
{
    // Segmentation corner cases: possessives, decimals, URLs, e-mail, hyphens, colons, underscores, quotes,
    // combining marks, soft hyphen, Greek, Cyrillic, Hebrew, Arabic, CJK, kana, Thai, emoji, a 255-character token.
    public static readonly string[] TrickyLines =
    [
        "The patient's IL-6 levels (p<0.05) rose 3.5-fold; O'Neil's cohort: n=1,024.",
        "John's JOHN'S john’s cats' dogs＇s it's",
        "e.g. i.e. U.S.A. 3.14159 1,000,000 10:30 a:b a.b a_b _x_ x__ ___ __init__",
        "http://www.ncbi.nlm.nih.gov/pubmed/12345 user@example.com C++ C# .NET",
        "anti-TNF α-synuclein β2-microglobulin TGF-β1 NF-κB Ca2+ H2O CO₂ x² ½",
        "café naïve résumé Zürich São Paulo ﬁnal ﬂow",
        "soft\u00ADhyphen zero\u200Bwidth join\u200Dner e\u0301 \u0301lead",
        "Москва Αθήνα שלום עברית ש\"ס ש'ס العربية हिन्दी",
        "中文分词测试 日本語のテキスト カタカナ ひらがな 한국어 텍스트",
        "ภาษาไทย ພາສາລາວ မြန်မာ ខ្មែរ",
        "emoji 😀 test 🇺🇸 flags 𝐛𝐨𝐥𝐝 𠀀𠀁",
        "\"quoted\" 'single' (paren) [bracket] {brace} <angle> AND OR NOT * ^2 ~ title:x +must -not",
        "wordwithnumbers123 123abc 1.2.3 v2.0.1-beta 3'5 12''34 1;2 1.a a.1",
        new string('x', 254) + " " + new string('y', 255) + " after",
        "TUMOURS tumours Tumour's ANALYSES analysed analysing hospitalization hospitalizations",
        "",
        "   \t  ",
        "....,,,;;;:::---",
    ];

    [Fact]
    public void TokenizerMatchesLuceneStandardTokenizer()
    {
        var lines = TrickyLines.Concat(PubMedQaLines().Take(200)).ToList();
        var expected = Oracles.Lucene("standard", lines);
        for (int i = 0; i < lines.Count; i++)
        {
            var ours = string.Join('\u0001', StandardTokenizer.Tokenize(lines[i]));
            Assert.True(expected[i] == ours, $"line {i}: {lines[i]}\n lucene: {expected[i].Replace('\u0001', '|')}\n ours:   {ours.Replace('\u0001', '|')}");
        }
    }

    // Tokens longer than 255 characters: Lucene 4.10.1+ (LUCENE-5897, what Java Lucene 4.10.4 does) caps the scanner's
    // buffer at the maximum token length, so such a token comes out in 255-character pieces. Lucene.Net 4.8 predates
    // that change and drops the whole token, so it cannot be the oracle here; the pieces follow from the rule.
    [Theory]
    [InlineData(256)]
    [InlineData(600)]
    public void TokensLongerThan255AreCutInto255CharacterPiecesLikeLucene4_10(int length)
    {
        var token = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)));
        var expected = token.Chunk(255).Select(c => new string(c)).Prepend("before").Append("after").ToList();
        Assert.Equal(expected, StandardTokenizer.Tokenize("before " + token + " after"));
    }

    [Fact]
    public void AnalyzerMatchesLuceneEnglishAnalyzerOnPubMedQa()
    {
        var lines = TrickyLines.Concat(PubMedQaLines()).ToList();
        var expected = Oracles.Lucene("english", lines);
        var analyzer = new EnglishAnalyzer();
        int bad = 0;
        var report = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            var ours = string.Join(' ', analyzer.Analyze(lines[i]));
            if (ours == expected[i]) continue;
            bad++;
            if (report.Count < 5) report.Add($"line {i}: {lines[i][..Math.Min(200, lines[i].Length)]}\n lucene: {expected[i]}\n ours:   {ours}");
        }
        Assert.True(bad == 0, $"{bad} of {lines.Count} lines differ\n" + string.Join("\n", report));
    }

    [Fact]
    public void StopWordsAreLucenesEnglishSet()
    {
        var expected = Oracles.Lucene("english", EnglishStopWords.Words.ToList());
        Assert.All(expected, e => Assert.Equal("", e));
        Assert.Equal(33, EnglishStopWords.Words.Count);
    }

    /// <summary>Every PubMedQA question and context paragraph (about 4,000 lines of real biomedical text).</summary>
    internal static IEnumerable<string> PubMedQaLines()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.SharedData("pubmedqa", "ori_pqal.json")));
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            yield return entry.Value.GetProperty("QUESTION").GetString()!.ReplaceLineEndings(" ");
            foreach (var c in entry.Value.GetProperty("CONTEXTS").EnumerateArray())
                yield return c.GetString()!.ReplaceLineEndings(" ");
        }
    }
}
