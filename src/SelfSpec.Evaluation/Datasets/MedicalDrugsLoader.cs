using System.Text;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// The Innoplexus / Analytics Vidhya drug-sentiment CSV (<c>unique_hash,text,drug,sentiment</c>, sentiment 0 = positive,
/// 1 = negative, 2 = neutral) → BoX Medical_Drugs: input <c>&lt;text&gt; \n Drug: &lt;drug&gt; \n Option1: Neutral Option2: Positive Option3: Negative</c>,
/// output <c>Positive</c>/<c>Negative</c>/<c>Neutral</c>. RFC 4180 quoting (texts contain commas, quotes and newlines).
/// </summary>
public static class MedicalDrugsLoader
{
    private static readonly string[] Labels = ["Positive", "Negative", "Neutral"];

    /// <summary>Loads the labelled rows of <paramref name="path"/> in file order.</summary>
    public static List<EvalInstance> Load(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var rows = CsvRows(reader, path).GetEnumerator();
        if (!rows.MoveNext()) throw new DatasetFormatException(path, null, "empty file");
        var header = rows.Current.Select(h => h.Trim()).ToList();
        int hash = header.IndexOf("unique_hash"), text = header.IndexOf("text"), drug = header.IndexOf("drug"), sentiment = header.IndexOf("sentiment");
        if (hash < 0 || text < 0 || drug < 0 || sentiment < 0)
            throw new DatasetFormatException(path, "header", "expected columns unique_hash,text,drug,sentiment");
        var result = new List<EvalInstance>();
        int row = 1;
        while (rows.MoveNext())
        {
            row++;
            var f = rows.Current;
            if (f.Count == 1 && f[0].Length == 0) continue;
            if (f.Count != header.Count) throw new DatasetFormatException(path, $"row {row}", $"{f.Count} fields, header has {header.Count}");
            var code = f[sentiment].Trim();
            if (code is not ("0" or "1" or "2")) throw new DatasetFormatException(path, $"row {row}", $"sentiment '{code}' is not 0, 1 or 2");
            var label = Labels[code[0] - '0'];
            var input = $"{f[text]} \n Drug: {f[drug]} \n Option1: Neutral Option2: Positive Option3: Negative";
            result.Add(new EvalInstance(BenchmarkCatalog.MedicalDrugs.Name, f[hash], input, label, [label]));
        }
        return result;
    }

    private static IEnumerable<List<string>> CsvRows(TextReader reader, string path)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else field.Append(ch);
            }
            else if (ch == '"' && field.Length == 0) inQuotes = true;
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                fields.Add(field.ToString());
                field.Clear();
                yield return fields;
                fields = new List<string>();
                any = false;
            }
            else field.Append(ch);
        }
        if (inQuotes) throw new DatasetFormatException(path, null, "unterminated quoted field at end of file");
        if (any)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }
}
