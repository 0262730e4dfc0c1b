using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace SelfSpec.Retrieval.Corpus;

/// <summary>Options for reading PubMed XML.</summary>
public sealed record PubMedReadOptions
{
    /// <summary>Keep articles that have no abstract (default false: they are skipped).</summary>
    public bool IncludeEmptyAbstracts { get; init; }
}

/// <summary>
/// Streams a PubMed distribution file (baseline or update, <c>.xml</c> or <c>.xml.gz</c>): the current format
/// (<c>PubmedArticleSet/PubmedArticle</c>) and the older one (<c>MedlineCitationSet/MedlineCitation</c>),
/// yielding <see cref="ArticleUpsert"/> and <see cref="ArticleDeletion"/> (from <c>DeleteCitation</c>) in file order.
/// Memory stays constant: only one article's element is held at a time.
/// </summary>
public static partial class PubMedXmlReader
{
    /// <summary>Reads the file at <paramref name="path"/> (gzip detected from its first bytes).</summary>
    public static async IAsyncEnumerable<CorpusChange> ReadFileAsync(string path, PubMedReadOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusFormatException("cannot open: " + e.Message, path, null, e);
        }
        await using (stream)
        {
            Stream input = IsGzip(stream) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
            await foreach (var change in ReadAsync(input, path, options, cancellationToken))
                yield return change;
        }
    }

    private static bool IsGzip(Stream stream)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = 0;
        return n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>Reads PubMed XML from <paramref name="input"/>; <paramref name="source"/> names it in errors.</summary>
    public static async IAsyncEnumerable<CorpusChange> ReadAsync(Stream input, string source, PubMedReadOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new PubMedReadOptions();
        var settings = new XmlReaderSettings
        {
            Async = true,
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        using var reader = XmlReader.Create(input, settings);
        var lineInfo = (IXmlLineInfo)reader;
        bool sawRoot = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = await reader.ReadAsync().ConfigureAwait(false);
            }
            catch (XmlException e)
            {
                throw new CorpusFormatException("malformed XML: " + e.Message, source, e.LineNumber, e);
            }
            catch (InvalidDataException e)
            {
                throw new CorpusFormatException("corrupt gzip data: " + e.Message, source, null, e);
            }
            if (!more) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (!sawRoot)
            {
                sawRoot = true;
                if (reader.LocalName is not ("PubmedArticleSet" or "MedlineCitationSet"))
                    throw new CorpusFormatException($"not a PubMed file: root element is <{reader.LocalName}>", source, lineInfo.LineNumber);
                continue;
            }
            int line = lineInfo.LineNumber;
            switch (reader.LocalName)
            {
                case "PubmedArticle":
                case "MedlineCitation" when reader.Depth == 1:
                {
                    var element = await LoadElementAsync(reader, source, line, cancellationToken).ConfigureAwait(false);
                    var citation = element.Name.LocalName == "MedlineCitation" ? element : element.Element("MedlineCitation");
                    if (citation is null) throw new CorpusFormatException("PubmedArticle without MedlineCitation", source, line);
                    var article = ParseCitation(citation, source, line);
                    if (article.Abstract.Length > 0 || options.IncludeEmptyAbstracts)
                        yield return new ArticleUpsert(article) { Source = source };
                    break;
                }
                case "DeleteCitation":
                {
                    var element = await LoadElementAsync(reader, source, line, cancellationToken).ConfigureAwait(false);
                    foreach (var pmid in element.Elements("PMID"))
                        yield return new ArticleDeletion(pmid.Value.Trim()) { Source = source };
                    break;
                }
            }
        }
        if (!sawRoot) throw new CorpusFormatException("empty file: no XML root element", source, null);
    }

    private static async Task<XElement> LoadElementAsync(XmlReader reader, string source, int line, CancellationToken ct)
    {
        try
        {
            return await XElement.LoadAsync(reader.ReadSubtree(), LoadOptions.None, ct).ConfigureAwait(false);
        }
        catch (XmlException e)
        {
            throw new CorpusFormatException("malformed XML: " + e.Message, source, e.LineNumber == 0 ? line : e.LineNumber, e);
        }
    }

    /// <summary>Extracts the corpus fields from a <c>MedlineCitation</c> element.</summary>
    public static PubmedArticle ParseCitation(XElement citation, string source, int line)
    {
        var pmid = citation.Element("PMID")?.Value.Trim();
        if (string.IsNullOrEmpty(pmid)) throw new CorpusFormatException("MedlineCitation without PMID", source, line);
        var article = citation.Element("Article");
        var journal = article?.Element("Journal");
        string title = article?.Element("ArticleTitle")?.Value.Trim() ?? "";
        string abstractText = ParseAbstract(article?.Element("Abstract"));
        string journalTitle = journal?.Element("Title")?.Value.Trim() ?? "";
        int? year = ParseYear(journal?.Element("JournalIssue")?.Element("PubDate"));
        var mesh = citation.Element("MeshHeadingList")?.Elements("MeshHeading")
            .Select(h => h.Element("DescriptorName")?.Value.Trim())
            .Where(d => !string.IsNullOrEmpty(d)).Select(d => d!).ToList() ?? [];
        return new PubmedArticle(pmid, title, abstractText, journalTitle, year, mesh);
    }

    private static string ParseAbstract(XElement? abstractElement)
    {
        if (abstractElement is null) return "";
        var parts = new List<string>();
        foreach (var section in abstractElement.Elements("AbstractText"))
        {
            string text = section.Value.Trim();
            string? label = section.Attribute("Label")?.Value.Trim();
            if (text.Length == 0 && string.IsNullOrEmpty(label)) continue;
            parts.Add(string.IsNullOrEmpty(label) ? text : text.Length == 0 ? label + ":" : label + ": " + text);
        }
        return string.Join("\n", parts);
    }

    private static int? ParseYear(XElement? pubDate)
    {
        if (pubDate is null) return null;
        var year = pubDate.Element("Year")?.Value.Trim();
        if (year is not null && int.TryParse(year, out int y)) return y;
        var medlineDate = pubDate.Element("MedlineDate")?.Value;
        if (medlineDate is not null)
        {
            var m = FourDigitYear().Match(medlineDate);
            if (m.Success) return int.Parse(m.Value);
        }
        return null;
    }

    [GeneratedRegex(@"\b(1[5-9]|20)\d\d\b")]
    private static partial Regex FourDigitYear();
}
