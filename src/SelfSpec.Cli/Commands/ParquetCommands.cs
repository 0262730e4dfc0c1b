using System.CommandLine;
using System.Text.Json;
using SelfSpec.Cli.Commands.Parquet;
using SelfSpec.Parquet;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec parquet inspect|to-jsonl|from-jsonl</c>: look into and convert Parquet artifacts.</summary>
public sealed class ParquetCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var parquet = new Command("parquet", "Inspect and convert Parquet files");
        parquet.Subcommands.Add(Inspect());
        parquet.Subcommands.Add(ToJsonl());
        parquet.Subcommands.Add(FromJsonl());
        yield return parquet;
    }

    private static Command Inspect()
    {
        var file = new Argument<string>("FILE") { Description = "The Parquet file" };
        var json = new Option<bool>("--json") { Description = "Print {schema, num_rows, row_groups, rows} as JSON" };
        var head = new Option<int>("--head") { Description = "Number of rows to show", DefaultValueFactory = _ => 10 };
        var cmd = new Command("inspect", "Show the schema, row groups (codec, encodings, statistics) and the first rows");
        cmd.Arguments.Add(file);
        cmd.Options.Add(json);
        cmd.Options.Add(head);
        cmd.SetAction(r => Guard(() =>
        {
            using var reader = ParquetReader.Open(r.GetValue(file)!);
            var rows = ParquetJson.ReadRows(reader, Math.Max(0, r.GetValue(head))).ToList();
            if (r.GetValue(json)) PrintJson(reader, rows);
            else Render(reader, rows);
            return 0;
        }));
        return cmd;
    }

    private static Command ToJsonl()
    {
        var file = new Argument<string>("FILE") { Description = "The Parquet file" };
        var cmd = new Command("to-jsonl", "Print every row as one JSON object per line (shared value convention)");
        cmd.Arguments.Add(file);
        cmd.SetAction((r, ct) => Task.FromResult(Guard(() =>
        {
            using var reader = ParquetReader.Open(r.GetValue(file)!);
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
            foreach (var line in ParquetJson.ReadRows(reader))
            {
                ct.ThrowIfCancellationRequested();
                stdout.Write(line);
                stdout.Write('\n');
            }
            return 0;
        })));
        return cmd;
    }

    private static Command FromJsonl()
    {
        var input = new Argument<string>("IN.jsonl") { Description = "JSON Lines input, one object per row" };
        var output = new Argument<string>("OUT.parquet") { Description = "The Parquet file to write" };
        var codec = new Option<string>("--codec") { Description = CodecNames.Accepted, DefaultValueFactory = _ => "snappy" };
        var zstdLevel = new Option<int>("--zstd-level")
        {
            Description = $"ZSTD level with --codec zstd ({ParquetWriterOptions.MinZstdLevel} to {ParquetWriterOptions.MaxZstdLevel}; 3 by default)",
            DefaultValueFactory = _ => 3,
        };
        var schema = new Option<string?>("--schema") { Description = "Columns as name:type[!] pairs, e.g. 'id:int64!,task:string,doc_ids:list<string>' (default: inferred)" };
        var rowGroup = new Option<int>("--row-group-rows") { Description = "Rows per row group", DefaultValueFactory = _ => 122_880 };
        var cmd = new Command("from-jsonl", "Write JSON Lines to Parquet, inferring the schema or taking --schema");
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        cmd.Options.Add(codec);
        cmd.Options.Add(zstdLevel);
        cmd.Options.Add(schema);
        cmd.Options.Add(rowGroup);
        cmd.SetAction((r, ct) => Task.FromResult(Guard(() =>
        {
            var inPath = r.GetValue(input)!;
            var outPath = r.GetValue(output)!;
            var parquetSchema = r.GetValue(schema) is { } spec ? JsonlSchemaInference.Parse(spec) : JsonlSchemaInference.Infer(inPath);
            var level = r.GetValue(zstdLevel);
            var options = new ParquetWriterOptions
            {
                Codec = CodecNames.Parse(r.GetValue(codec)!, "--codec"),
                ZstdLevel = level is >= ParquetWriterOptions.MinZstdLevel and <= ParquetWriterOptions.MaxZstdLevel
                    ? level
                    : throw new FormatException($"--zstd-level must be between {ParquetWriterOptions.MinZstdLevel} and {ParquetWriterOptions.MaxZstdLevel}, got {level}"),
                MaxDegreeOfParallelism = CliRuntime.Threads,
                RowGroupRows = Math.Max(1, r.GetValue(rowGroup)),
            };
            var fields = parquetSchema.Fields!;
            using var writer = new ParquetWriter(outPath, parquetSchema, options);
            writer.KeyValueMetadata["selfspec.source"] = Path.GetFileName(inPath);
            var builders = NewBuilders(parquetSchema);
            var lineNo = 0;
            var inGroup = 0;
            foreach (var line in File.ReadLines(inPath))
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                ct.ThrowIfCancellationRequested();
                using var doc = JsonDocument.Parse(line);
                for (var i = 0; i < fields.Count; i++)
                {
                    JsonElement? v = doc.RootElement.TryGetProperty(fields[i].Name, out var e) ? e : null;
                    try { JsonlSchemaInference.Append(builders[i], fields[i], v); }
                    catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException)
                    {
                        throw new FormatException($"{inPath} line {lineNo}, column '{fields[i].Name}': {ex.Message}");
                    }
                }
                if (++inGroup >= options.RowGroupRows || (inGroup % 1024 == 0 && builders.Sum(b => b.EstimatedBytes) >= options.RowGroupBytes))
                {
                    writer.WriteRowGroup(builders.Select(b => b.Build()).ToList(), ct);
                    builders = NewBuilders(parquetSchema);
                    inGroup = 0;
                }
            }
            if (inGroup > 0) writer.WriteRowGroup(builders.Select(b => b.Build()).ToList(), ct);
            writer.Commit();
            AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(outPath)}: {writer.RowCount} rows, {writer.RowGroupCount} row group(s), {fields.Count} columns");
            return 0;
        })));
        return cmd;
    }

    private static ColumnBuilder[] NewBuilders(SelfSpec.Parquet.Schema.ParquetSchema schema) =>
        schema.Columns.Select(c => new ColumnBuilder(c)).ToArray();

    private static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) when (e is ParquetFormatException or IOException or FormatException or JsonException or UnauthorizedAccessException or OperationCanceledException
                                   or ArgumentException { ParamName: "--codec" })
        {
            // One line on stderr, never wrapped, red when it goes to a terminal.
            var message = e.Message.ReplaceLineEndings(" ");
            Console.Error.WriteLine(Console.IsErrorRedirected ? $"error: {message}" : $"\u001b[31merror:\u001b[0m {message}");
            return e is OperationCanceledException ? 130 : 1;
        }
    }

    private static void PrintJson(ParquetReader reader, List<string> rows)
    {
        using var stdout = Console.OpenStandardOutput();
        using var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteStartArray("schema");
        foreach (var t in reader.Schema.TopLevel)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteString("type", t.DescribeType());
            w.WriteBoolean("nullable", t.Repetition != Repetition.Required);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("num_rows", reader.RowCount);
        w.WriteStartArray("row_groups");
        foreach (var g in reader.Metadata.RowGroups)
        {
            w.WriteStartObject();
            w.WriteNumber("num_rows", g.NumRows);
            w.WriteNumber("total_byte_size", g.TotalByteSize);
            w.WriteStartArray("columns");
            for (var c = 0; c < g.Columns.Count; c++)
            {
                var m = g.Columns[c].MetaData;
                var col = reader.Schema.Columns[c];
                w.WriteStartObject();
                w.WriteString("path", col.DottedPath);
                w.WriteString("physical_type", col.PhysicalType.ToString().ToUpperInvariant());
                if (m != null)
                {
                    w.WriteString("codec", m.Codec.ToString().ToUpperInvariant());
                    w.WriteStartArray("encodings");
                    foreach (var e in m.Encodings) w.WriteStringValue(EncodingName(e));
                    w.WriteEndArray();
                    w.WriteNumber("num_values", m.NumValues);
                    w.WriteNumber("total_compressed_size", m.TotalCompressedSize);
                    w.WriteNumber("total_uncompressed_size", m.TotalUncompressedSize);
                    if (m.Statistics is { } s)
                    {
                        w.WriteStartObject("stats");
                        w.WritePropertyName("min");
                        w.WriteRawValue(LeafValues.StatisticToJson(col, s.MinValue ?? s.MinDeprecated) ?? "null");
                        w.WritePropertyName("max");
                        w.WriteRawValue(LeafValues.StatisticToJson(col, s.MaxValue ?? s.MaxDeprecated) ?? "null");
                        if (s.NullCount is { } nc) w.WriteNumber("null_count", nc);
                        else w.WriteNull("null_count");
                        w.WriteEndObject();
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("rows");
        foreach (var row in rows) w.WriteRawValue(row, skipInputValidation: true);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stdout.WriteByte((byte)'\n');
    }

    private static string EncodingName(SelfSpec.Parquet.Format.Encoding e) => e switch
    {
        SelfSpec.Parquet.Format.Encoding.PlainDictionary => "PLAIN_DICTIONARY",
        SelfSpec.Parquet.Format.Encoding.RleDictionary => "RLE_DICTIONARY",
        SelfSpec.Parquet.Format.Encoding.BitPacked => "BIT_PACKED",
        SelfSpec.Parquet.Format.Encoding.DeltaBinaryPacked => "DELTA_BINARY_PACKED",
        SelfSpec.Parquet.Format.Encoding.DeltaLengthByteArray => "DELTA_LENGTH_BYTE_ARRAY",
        SelfSpec.Parquet.Format.Encoding.DeltaByteArray => "DELTA_BYTE_ARRAY",
        SelfSpec.Parquet.Format.Encoding.ByteStreamSplit => "BYTE_STREAM_SPLIT",
        _ => e.ToString().ToUpperInvariant(),
    };

    private static void Render(ParquetReader reader, List<string> rows)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(reader.FilePath)}[/]: {reader.RowCount} rows, {reader.RowGroupCount} row group(s), {reader.FileLength} bytes, created by {Markup.Escape(reader.Metadata.CreatedBy ?? "?")}");
        var schema = new Table().Border(TableBorder.Rounded).Title("schema");
        schema.AddColumn("column");
        schema.AddColumn("type");
        schema.AddColumn("nullable");
        foreach (var t in reader.Schema.TopLevel)
            schema.AddRow(Markup.Escape(t.Name), Markup.Escape(t.DescribeType()), t.Repetition != Repetition.Required ? "yes" : "no");
        AnsiConsole.Write(schema);

        var groups = new Table().Border(TableBorder.Rounded).Title("row groups");
        foreach (var h in new[] { "group", "rows", "column", "codec", "encodings", "compressed", "min", "max", "nulls" }) groups.AddColumn(h);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rg = reader.Metadata.RowGroups[g];
            for (var c = 0; c < rg.Columns.Count; c++)
            {
                var m = rg.Columns[c].MetaData;
                var col = reader.Schema.Columns[c];
                var s = m?.Statistics;
                groups.AddRow(c == 0 ? g.ToString() : "", c == 0 ? rg.NumRows.ToString() : "", Markup.Escape(col.DottedPath),
                    m?.Codec.ToString().ToUpperInvariant() ?? "", Markup.Escape(string.Join(",", m?.Encodings.Select(EncodingName) ?? [])),
                    m?.TotalCompressedSize.ToString() ?? "",
                    Markup.Escape(Short(LeafValues.StatisticToJson(col, s?.MinValue ?? s?.MinDeprecated))),
                    Markup.Escape(Short(LeafValues.StatisticToJson(col, s?.MaxValue ?? s?.MaxDeprecated))),
                    s?.NullCount?.ToString() ?? "");
            }
        }
        AnsiConsole.Write(groups);
        if (reader.KeyValueMetadata.Count > 0)
        {
            var kv = new Table().Border(TableBorder.Rounded).Title("key/value metadata");
            kv.AddColumn("key");
            kv.AddColumn("value");
            foreach (var (k, v) in reader.KeyValueMetadata) kv.AddRow(Markup.Escape(k), Markup.Escape(Short(v, 120)));
            AnsiConsole.Write(kv);
        }
        if (rows.Count == 0) return;
        var data = new Table().Border(TableBorder.Rounded).Title($"first {rows.Count} row(s)");
        foreach (var t in reader.Schema.TopLevel) data.AddColumn(Markup.Escape(t.Name));
        foreach (var row in rows)
        {
            using var doc = JsonDocument.Parse(row);
            data.AddRow(doc.RootElement.EnumerateObject().Select(p => Markup.Escape(Short(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()))).ToArray());
        }
        AnsiConsole.Write(data);
    }

    private static string Short(string? s, int max = 40) => s == null ? "" : s.Length <= max ? s : s[..max] + "…";
}
