// Parquet benchmark: ours vs DuckDB on the same 1M-row instruction-like table.
//   ParquetBench gen  SOURCE.parquet [rows]          deterministic table, written UNCOMPRESSED (the shared input)
//   ParquetBench run  SOURCE.parquet WORKDIR DUCK.json OUT.md [threads...]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Writing;

var inv = CultureInfo.InvariantCulture;
switch (args[0])
{
    case "gen": Generate(args[1], args.Length > 2 ? int.Parse(args[2], inv) : 1_000_000); break;
    case "run": Run(args[1], args[2], args[3], args[4], args.Skip(5).Select(a => int.Parse(a, inv)).ToArray()); break;
    default: throw new ArgumentException("gen | run");
}

static void Generate(string path, int rows)
{
    var schema = new ParquetSchema(
        new ParquetField("id", ParquetType.Int64, Nullable: false),
        new ParquetField("task", ParquetType.String),
        new ParquetField("instruction", ParquetType.String),
        new ParquetField("input", ParquetType.String),
        new ParquetField("output", ParquetType.String),
        new ParquetField("rouge_max", ParquetType.Double),
        ParquetField.List("doc_ids", ParquetType.String));
    var rng = new Random(20231121);
    var words = Enumerable.Range(0, 5000).Select(i => Word(rng)).ToArray();
    var tasks = Enumerable.Range(0, 24).Select(i => "task_" + Word(rng)).ToArray();
    var sb = new StringBuilder();
    string Sentence(int minWords, int maxWords)
    {
        sb.Clear();
        var n = rng.Next(minWords, maxWords);
        for (var i = 0; i < n; i++)
        {
            // Zipf-like skew so the text compresses like prose.
            var w = words[(int)(words.Length * Math.Pow(rng.NextDouble(), 3))];
            if (i > 0) sb.Append(' ');
            sb.Append(w);
            if (rng.Next(12) == 0) sb.Append(rng.Next(3) == 0 ? ". " : ",");
        }
        return sb.ToString();
    }
    var options = new ParquetWriterOptions { Codec = CompressionCodec.Uncompressed, UseDictionary = false };
    using var writer = new ParquetWriter(path, schema, options);
    const int group = 122_880;
    for (var start = 0; start < rows; start += group)
    {
        var b = schema.Columns.Select(c => new ColumnBuilder(c, group)).ToArray();
        for (var r = start; r < Math.Min(rows, start + group); r++)
        {
            b[0].AddInt64(r);
            b[1].AddString(tasks[rng.Next(tasks.Length)]);
            b[2].AddString(Sentence(6, 24));
            var k = rng.Next(10);
            if (k == 0) b[3].AddNull(); else if (k == 1) b[3].AddString(""); else b[3].AddString(Sentence(3, 20));
            b[4].AddString(Sentence(15, 42));
            b[5].AddDouble(rng.NextDouble());
            b[6].BeginList();
            for (var d = 0; d < 5; d++) b[6].AddString("pmid:" + rng.Next(10_000_000, 10_200_000).ToString(CultureInfo.InvariantCulture));
            b[6].EndList();
        }
        writer.WriteRowGroup(b.Select(x => x.Build()).ToList());
    }
    writer.Commit();
    Console.Error.WriteLine($"wrote {path}: {rows} rows");
}

static string Word(Random rng)
{
    const string letters = "etaoinshrdlcumwfgypbvkjxqz";
    var n = rng.Next(2, 10);
    var c = new char[n];
    for (var i = 0; i < n; i++) c[i] = letters[(int)(letters.Length * Math.Pow(rng.NextDouble(), 1.7))];
    return new string(c);
}

static void Run(string source, string workDir, string duckJson, string outMd, int[] threads)
{
    Directory.CreateDirectory(workDir);
    // The table in memory, in our columnar form (UTF-8 strings in one buffer per column).
    List<List<ColumnData>> table;
    ParquetSchema schema;
    using (var src = ParquetReader.Open(source))
    {
        schema = src.Schema;
        table = Enumerable.Range(0, src.RowGroupCount).Select(g => src.ReadRowGroup(g).Columns.ToList()).ToList();
    }
    var rows = table.Sum(g => g[0].RowCount);
    var mb = table.Sum(g => g.Sum(c => c.Column.PhysicalType == PhysicalType.ByteArray ? c.Offsets![c.ValueCount] : c.ValueByteSize)) / 1e6;
    var results = new List<(string What, int Threads, double Seconds, string Note)>();
    var ours = Path.Combine(workDir, "ours.parquet");
    foreach (var t in threads)
    {
        var options = new ParquetWriterOptions { Codec = CompressionCodec.Snappy, MaxDegreeOfParallelism = t };
        var best = Best(3, () =>
        {
            using var w = new ParquetWriter(ours, schema, options);
            foreach (var g in table) w.WriteRowGroup(g);
            w.Commit();
        });
        results.Add(("write", t, best, ""));
    }
    table = null!;
    GC.Collect();
    var duckFile = Path.Combine(workDir, "duck.parquet");
    foreach (var t in threads)
    {
        foreach (var (file, note) in new[] { (ours, "our file"), (duckFile, "DuckDB's file") })
        {
            if (!File.Exists(file)) continue;
            var best = Best(3, () =>
            {
                using var r = ParquetReader.Open(file);
                var groups = new List<RowGroupData>(r.RowGroupCount);
                for (var g = 0; g < r.RowGroupCount; g++) groups.Add(r.ReadRowGroup(g, null, t));
                GC.KeepAlive(groups);
            });
            results.Add(("read", t, best, note));
        }
    }

    using var duck = JsonDocument.Parse(File.ReadAllText(duckJson));
    var d = duck.RootElement;
    double Duck(string what, int t) => d.GetProperty("results").EnumerateArray()
        .First(x => x.GetProperty("what").GetString() == what && x.GetProperty("threads").GetInt32() == t).GetProperty("seconds").GetDouble();

    var md = new StringBuilder();
    md.AppendLine("# Parquet: SelfSpec.Parquet vs DuckDB");
    md.AppendLine();
    md.AppendLine($"Generated by `bench/parquet/run.sh` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores ({RuntimeCpu()}), .NET {Environment.Version}, DuckDB {d.GetProperty("duckdb_version").GetString()} via @duckdb/node-api.");
    md.AppendLine();
    md.AppendLine($"Table: {rows:N0} rows of `id BIGINT, task, instruction, input (nullable), output VARCHAR, rouge_max DOUBLE, doc_ids VARCHAR[5]`, {mb:F0} MB of values ({source} from `ParquetBench gen`).");
    md.AppendLine("Both sides start from the same rows in memory in their own columnar form and write SNAPPY, row groups of 122,880 rows. " +
                  "Read = decode every column of every row group into memory (ours: `ParquetReader.ReadRowGroup` → ColumnData; DuckDB: `CREATE TABLE AS SELECT * FROM read_parquet(...)`). Best of 3 runs. MB/s = table MB / seconds.");
    md.AppendLine();
    md.AppendLine("| operation | threads | ours (s) | ours MB/s | DuckDB (s) | DuckDB MB/s | ours / DuckDB speed |");
    md.AppendLine("|---|---|---|---|---|---|---|");
    foreach (var (what, t, s, note) in results)
    {
        if (note == "DuckDB's file") continue;
        var ds = Duck(what, t);
        md.AppendLine(Invariant($"| {what} | {t} | {s:F2} | {mb / s:F0} | {ds:F2} | {mb / ds:F0} | {ds / s:F2}× |"));
    }
    md.AppendLine();
    md.AppendLine("Ours reading DuckDB's file (same table, DuckDB's encodings):");
    md.AppendLine();
    md.AppendLine("| threads | ours (s) | ours MB/s | DuckDB reading its own file (s) | ratio |");
    md.AppendLine("|---|---|---|---|---|");
    foreach (var (what, t, s, note) in results.Where(r => r.Note == "DuckDB's file"))
    {
        var ds = Duck("read", t);
        md.AppendLine(Invariant($"| {t} | {s:F2} | {mb / s:F0} | {ds:F2} | {ds / s:F2}× |"));
    }
    md.AppendLine();
    md.AppendLine(Invariant($"File sizes: ours {new FileInfo(ours).Length / 1e6:F1} MB, DuckDB {(File.Exists(duckFile) ? new FileInfo(duckFile).Length / 1e6 : 0):F1} MB."));
    File.WriteAllText(outMd, md.ToString());
    Console.WriteLine(md.ToString());
}

static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

static string RuntimeCpu()
{
    try { return File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name")).Split(':')[1].Trim(); }
    catch (Exception) { return "unknown CPU"; }
}


static double Best(int runs, Action action)
{
    var best = double.MaxValue;
    for (var i = 0; i < runs; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
        Console.Error.WriteLine($"  run {i}: {sw.Elapsed.TotalSeconds:F2} s");
    }
    return best;
}
