using System.Text;

namespace SelfSpec.Pipeline.Seeds;

/// <summary>Reads RFC 4180 CSV: comma-separated, fields optionally in double quotes (with <c>""</c> for a quote and line breaks inside).</summary>
internal static class CsvRecordReader
{
    /// <summary>Each record with the 1-based line it starts on.</summary>
    public static IEnumerable<(long Line, List<string> Fields)> Read(TextReader reader, string file)
    {
        long line = 1;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        var recordLine = line;
        int c;
        while ((c = reader.Read()) != -1)
        {
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append((char)c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when atFieldStart:
                    quoted = true;
                    atFieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    atFieldStart = true;
                    break;
                case '\r' when reader.Peek() == '\n':
                    break;
                case '\n' or '\r':
                    fields.Add(field.ToString());
                    field.Clear();
                    if (fields.Count > 1 || fields[0].Length > 0) yield return (recordLine, fields);
                    fields = [];
                    atFieldStart = true;
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append((char)c);
                    atFieldStart = false;
                    break;
            }
        }
        if (quoted) throw new SeedFormatException([new SeedError(file, recordLine, null, "a quoted field is not closed before the end of the file")]);
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields);
        }
    }
}
