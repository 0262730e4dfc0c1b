using System.Xml;
using System.Xml.Linq;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// DDI-2013 XML (<c>&lt;document&gt;&lt;sentence text&gt;&lt;entity id text/&gt;…&lt;pair e1 e2 ddi/&gt;</c>) → BoX DDI:
/// one instance per pair, input <c>Context: &lt;sentence&gt; Drug_1: &lt;e1&gt; Drug_2: &lt;e2&gt;</c>, output <c>true</c>/<c>false</c>.
/// </summary>
public static class DdiLoader
{
    /// <summary>Loads every <c>*.xml</c> under <paramref name="directory"/> (recursively, in ordinal path order).</summary>
    public static List<EvalInstance> LoadDirectory(string directory)
    {
        var result = new List<EvalInstance>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            result.AddRange(LoadFile(file));
        return result;
    }

    /// <summary>Loads the pairs of one DDI document.</summary>
    public static List<EvalInstance> LoadFile(string path)
    {
        XDocument doc;
        try { doc = XDocument.Load(path); }
        catch (XmlException e) { throw new DatasetFormatException(path, $"line {e.LineNumber}", "not well-formed XML: " + e.Message, e); }
        var result = new List<EvalInstance>();
        foreach (var sentence in doc.Descendants("sentence"))
        {
            var sentenceId = (string?)sentence.Attribute("id") ?? "?";
            var text = ((string?)sentence.Attribute("text") ?? throw new DatasetFormatException(path, sentenceId, "sentence without text")).Trim();
            var entities = sentence.Elements("entity").ToDictionary(
                e => (string?)e.Attribute("id") ?? throw new DatasetFormatException(path, sentenceId, "entity without id"),
                e => (string?)e.Attribute("text") ?? "");
            foreach (var pair in sentence.Elements("pair"))
            {
                var pairId = (string?)pair.Attribute("id") ?? throw new DatasetFormatException(path, sentenceId, "pair without id");
                var e1 = (string?)pair.Attribute("e1");
                var e2 = (string?)pair.Attribute("e2");
                if (e1 == null || e2 == null || !entities.TryGetValue(e1, out var drug1) || !entities.TryGetValue(e2, out var drug2))
                    throw new DatasetFormatException(path, pairId, "pair refers to an unknown entity");
                var ddi = ((string?)pair.Attribute("ddi"))?.Trim().ToLowerInvariant();
                if (ddi is not ("true" or "false")) throw new DatasetFormatException(path, pairId, $"ddi is '{ddi}', expected true/false");
                result.Add(new EvalInstance(BenchmarkCatalog.Ddi.Name, pairId,
                    $"Context: {text} Drug_1: {drug1} Drug_2: {drug2}", ddi, [ddi]));
            }
        }
        return result;
    }
}
