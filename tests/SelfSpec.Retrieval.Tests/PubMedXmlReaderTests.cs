using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

public class PubMedXmlReaderTests
{
    private static readonly string CurrentXml = Paths.SharedData("pubmed_xml", "test_current_medline.xml");
    private static readonly string CurrentGz = Paths.SharedData("pubmed_xml", "test_current_medline.xml.gz");

    private static async Task<List<CorpusChange>> Read(string path, bool withEmpty = false) =>
        await PubMedXmlReader.ReadFileAsync(path, new PubMedReadOptions { IncludeEmptyAbstracts = withEmpty }).ToListAsync();

    [Fact]
    public async Task ExtractsExactFieldsOfTheRealSample()
    {
        var articles = (await Read(CurrentXml, withEmpty: true)).Cast<ArticleUpsert>().Select(u => u.Article).ToList();
        Assert.Equal(["36400559", "2930949", "11446611", "28786991"], articles.Select(a => a.Pmid));

        var first = articles[0];
        Assert.Equal("Back Pain: Differential Diagnosis and Management.", first.Title);
        Assert.Equal("Neurologic clinics", first.Journal);
        Assert.Equal(2023, first.Year);
        Assert.StartsWith("Back pain is a common condition affecting millions of individuals each year.", first.Abstract);
        Assert.EndsWith("persists for greater than 6\u00a0weeks, imaging and a specialist referral may be indicated.", first.Abstract);
        Assert.DoesNotContain("Copyright", first.Abstract);
        Assert.Equal(["Humans", "Low Back Pain", "Diagnosis, Differential", "Back Pain", "Anti-Inflammatory Agents, Non-Steroidal",
            "Cognitive Behavioral Therapy"], first.MeshTerms);

        Assert.Equal(1985, articles[1].Year);
        Assert.Equal("The Western journal of medicine", articles[1].Journal);

        var noAbstract = articles[2];
        Assert.Equal("", noAbstract.Abstract);
        Assert.Equal("Acute back pain.", noAbstract.Title);
        Assert.Equal(2001, noAbstract.Year); // PubDate has Year + Season

        var labelled = articles[3].Abstract.Split('\n');
        Assert.Equal(4, labelled.Length);
        Assert.Equal("OBJECTIVE: To synthesize outputs and outcomes of community-based tuberculosis targeted testing and treatment (TTT) programs in foreign-born populations (FBP) in the United States (US).", labelled[0]);
        Assert.StartsWith("METHODS: We systematically searched", labelled[1]);
        Assert.Contains("contained <50% FBP participants", labelled[1]);
        Assert.StartsWith("RESULTS: Fifteen studies", labelled[2]);
        Assert.StartsWith("CONCLUSIONS: We observed high attrition", labelled[3]);
    }

    [Fact]
    public async Task ArticlesWithoutAbstractAreSkippedByDefault()
    {
        var pmids = (await Read(CurrentXml)).Cast<ArticleUpsert>().Select(u => u.Article.Pmid);
        Assert.Equal(["36400559", "2930949", "28786991"], pmids);
    }

    [Fact]
    public async Task GzipAndPlainGiveTheSameArticles()
    {
        var plain = (await Read(CurrentXml, true)).Cast<ArticleUpsert>().Select(u => u.Article);
        var gz = (await Read(CurrentGz, true)).Cast<ArticleUpsert>().Select(u => u.Article);
        Assert.Equal(plain, gz);
    }

    [Fact]
    public async Task OldFormatMarkupDeletesAndMedlineDateMatchPythonElementTree()
    {
        using var dir = new TempDir();
        var files = new[] { CurrentGz, WriteUpdateFile(dir), WriteOldFormatFile(dir) };
        foreach (var file in files)
        {
            var expected = References.PythonPubMedFields(file);
            var ours = await Read(file, withEmpty: true);
            Assert.Equal(expected.Count, ours.Count);
            for (int i = 0; i < ours.Count; i++)
            {
                var e = expected[i];
                if (ours[i] is ArticleDeletion d)
                {
                    Assert.Equal("delete", e.GetProperty("op").GetString());
                    Assert.Equal(e.GetProperty("pmid").GetString(), d.Pmid);
                    continue;
                }
                var a = ((ArticleUpsert)ours[i]).Article;
                Assert.Equal("upsert", e.GetProperty("op").GetString());
                Assert.Equal(e.GetProperty("pmid").GetString(), a.Pmid);
                Assert.Equal(e.GetProperty("title").GetString(), a.Title);
                Assert.Equal(e.GetProperty("abstract").GetString(), a.Abstract);
                Assert.Equal(e.GetProperty("journal").GetString(), a.Journal);
                Assert.Equal(e.GetProperty("year").ValueKind == JsonValueKind.Null ? null : e.GetProperty("year").GetInt32(), a.Year);
                Assert.Equal(e.GetProperty("mesh").EnumerateArray().Select(x => x.GetString()), a.MeshTerms);
            }
        }
    }

    [Fact]
    public async Task InlineMarkupIsKeptAsTextAndMedlineDateGivesTheYear()
    {
        using var dir = new TempDir();
        var articles = (await Read(WriteOldFormatFile(dir), true)).OfType<ArticleUpsert>().Select(u => u.Article).ToList();
        var a = articles.Single(x => x.Pmid == "18000001");
        Assert.Equal("Effects of CO2 on Escherichia coli growth at 105 cells.", a.Title);
        Assert.Equal("BACKGROUND: H2O and Ca2+ in E. coli.\nRESULTS: p < 0.05 for β-lactam.", a.Abstract);
        Assert.Equal(2008, a.Year);
    }

    [Fact]
    public async Task UpdateFileDeletesAndLaterVersionsReplaceEarlierOnes()
    {
        using var dir = new TempDir();
        var changes = CorpusSource.ReadAsync([CurrentXml, WriteUpdateFile(dir)]);
        var final = await CorpusSource.ResolveAsync(changes);
        Assert.Equal(["36400559", "28786991", "99999999"], final.Select(a => a.Pmid));
        Assert.Equal("Back pain revisited.", final[0].Title); // replaced by the update file
    }

    [Fact]
    public async Task MalformedXmlNamesFileAndLine()
    {
        using var dir = new TempDir();
        var path = dir.Combine("broken.xml");
        File.WriteAllText(path, "<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>\n<Article><ArticleTitle>x</Article>\n</PubmedArticleSet>");
        var e = await Assert.ThrowsAsync<CorpusFormatException>(async () => await Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(4, e.Line);
        Assert.Contains("broken.xml:4", e.Message);

        var missing = dir.Combine("missing.xml.gz");
        var e2 = await Assert.ThrowsAsync<CorpusFormatException>(async () => await Read(missing));
        Assert.Equal(missing, e2.File);

        var notPubMed = dir.Combine("other.xml");
        File.WriteAllText(notPubMed, "<html><body/></html>");
        await Assert.ThrowsAsync<CorpusFormatException>(async () => await Read(notPubMed));
    }

    [Fact]
    public async Task JsonlRoundTripThroughTheSink()
    {
        using var dir = new TempDir();
        var articles = (await Read(CurrentXml, true)).Cast<ArticleUpsert>().Select(u => u.Article).ToList();
        var path = dir.Combine("corpus.jsonl");
        await using (var sink = CorpusSinks.Create(path))
            Assert.Equal(4, await CorpusSinks.WriteAllAsync(sink, articles));
        var back = await JsonlCorpusReader.ReadFileAsync(path, options: new PubMedReadOptions { IncludeEmptyAbstracts = true })
            .Cast<ArticleUpsert>().Select(u => u.Article).ToListAsync();
        Assert.Equal(articles, back);
        // Each line is plain JSON that an independent parser reads back.
        var first = JsonDocument.Parse(File.ReadLines(path).First()).RootElement;
        Assert.Equal("36400559", first.GetProperty("pmid").GetString());
        Assert.Equal(2023, first.GetProperty("year").GetInt32());
    }

    [Fact]
    public async Task JsonlWithCustomFieldNames()
    {
        using var dir = new TempDir();
        var path = dir.Combine("c.jsonl");
        File.WriteAllText(path, "{\"doc_id\": 17, \"body\": \"Aspirin reduces fever.\", \"heading\": \"Aspirin\"}\n\n{\"doc_id\": \"x2\", \"body\": [\"a\", \"b\"]}\n");
        var fields = new CorpusFieldMap { Id = "doc_id", Text = "body", Title = "heading" };
        var got = await JsonlCorpusReader.ReadFileAsync(path, fields).Cast<ArticleUpsert>().Select(u => u.Article).ToListAsync();
        Assert.Equal("17", got[0].Pmid);
        Assert.Equal("Aspirin", got[0].Title);
        Assert.Equal("a\nb", got[1].Abstract);
        File.WriteAllText(path, "{\"doc_id\": 1, \"body\": \"ok\"}\n{\"body\": \"no id\"}\n");
        var e = await Assert.ThrowsAsync<CorpusFormatException>(async () => await JsonlCorpusReader.ReadFileAsync(path, fields).ToListAsync());
        Assert.Equal(2, e.Line);
    }

    // An update file: article 36400559 replaced by a new version, 2930949 deleted, a new one added.
    internal static string WriteUpdateFile(TempDir dir)
    {
        var path = dir.Combine("pubmed99n0001.xml.gz");
        var xml = """
            <?xml version="1.0" ?>
            <!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
            <PubmedArticleSet>
            <PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="2">36400559</PMID><Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue><Title>Neurologic clinics</Title></Journal><ArticleTitle>Back pain revisited.</ArticleTitle><Abstract><AbstractText>Chronic lumbago treated with exercise therapy.</AbstractText></Abstract></Article></MedlineCitation><PubmedData/></PubmedArticle>
            <PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">99999999</PMID><Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2024</Year><Month>Jan</Month></PubDate></JournalIssue><Title>Test journal</Title></Journal><ArticleTitle>Zebrafish <i>in vivo</i> imaging.</ArticleTitle><Abstract><AbstractText Label="AIMS" NlmCategory="OBJECTIVE">Zebrafish xenografts.</AbstractText><AbstractText Label="RESULTS">Imaging worked.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>
            <DeleteCitation><PMID Version="1">2930949</PMID><PMID Version="1">11446611</PMID></DeleteCitation>
            </PubmedArticleSet>
            """;
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(xml));
        return path;
    }

    // The 2016-era format: MedlineCitationSet root, MedlineDate, inline markup.
    internal static string WriteOldFormatFile(TempDir dir)
    {
        var path = dir.Combine("medline16n0001.xml");
        File.WriteAllText(path, """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE MedlineCitationSet PUBLIC "-//NLM//DTD Medline Citation, 1st January, 2016//EN" "http://www.nlm.nih.gov/databases/dtd/nlmmedlinecitationset_160101.dtd">
            <MedlineCitationSet>
            <MedlineCitation Owner="NLM" Status="MEDLINE">
              <PMID Version="1">18000001</PMID>
              <Article PubModel="Print">
                <Journal><JournalIssue CitedMedium="Print"><PubDate><MedlineDate>2008 Jul-Aug</MedlineDate></PubDate></JournalIssue><Title>Journal of tests</Title></Journal>
                <ArticleTitle>Effects of CO<sub>2</sub> on <i>Escherichia coli</i> growth at 10<sup>5</sup> cells.</ArticleTitle>
                <Abstract>
                  <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">H<sub>2</sub>O and Ca<sup>2+</sup> in <i>E. coli</i>.</AbstractText>
                  <AbstractText Label="RESULTS" NlmCategory="RESULTS">p &lt; 0.05 for <b>β</b>-lactam.</AbstractText>
                </Abstract>
              </Article>
              <MeshHeadingList><MeshHeading><DescriptorName MajorTopicYN="N">Escherichia coli</DescriptorName><QualifierName MajorTopicYN="Y">growth &amp; development</QualifierName></MeshHeading></MeshHeadingList>
            </MedlineCitation>
            <MedlineCitation Owner="NLM" Status="MEDLINE">
              <PMID Version="1">18000002</PMID>
              <Article PubModel="Print">
                <Journal><JournalIssue><PubDate><MedlineDate>Winter 1998-1999</MedlineDate></PubDate></JournalIssue><Title>Other journal</Title></Journal>
                <ArticleTitle>[A title in brackets].</ArticleTitle>
              </Article>
            </MedlineCitation>
            <DeleteCitation><PMID Version="1">17000000</PMID></DeleteCitation>
            </MedlineCitationSet>
            """);
        return path;
    }
}
