// Parquet benchmark: ours vs DuckDB on the same 1M-row instruction-like table, and our codecs / page checksums.
//   ParquetBench gen  SOURCE.parquet [rows]          deterministic table, written UNCOMPRESSED (the shared input)
//   ParquetBench measure SOURCE.parquet WORKDIR OURS.json threads...   (appends results)
//   ParquetBench report SOURCE.parquet OURS.json DUCK.json OUT.md WORKDIR
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
    case "measure": Measure(args[1], args[2], args[3], args.Skip(4).Select(a => int.Parse(a, inv)).ToArray()); break;
    case "report": Report(args[1], args[2], args[3], args[4], args[5]); break;
    default: throw new ArgumentException("gen | measure | report");
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

static void Measure(string source, string workDir, string oursJson, int[] threads)
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
    var results = new List<Result>();
    var ours = Path.Combine(workDir, "ours.parquet");
    foreach (var t in threads)
    {
        var options = new ParquetWriterOptions { Codec = CompressionCodec.Snappy, MaxDegreeOfParallelism = t };
        results.Add(Best("write", t, "", () =>
        {
            using var w = new ParquetWriter(ours, schema, options);
            foreach (var g in table) w.WriteRowGroup(g);
            w.Commit();
        }));
    }
    // Codec and checksum variants, single-threaded, same table: the default (SNAPPY with page CRCs) is the "write" row above.
    foreach (var v in CodecVariant.All)
    {
        var options = new ParquetWriterOptions { Codec = v.Codec, ZstdLevel = v.ZstdLevel, WritePageCrc = v.PageCrc, MaxDegreeOfParallelism = 1 };
        var file = Path.Combine(workDir, v.File);
        results.Add(Best("write", 1, "variant:" + v.Name, () =>
        {
            using var w = new ParquetWriter(file, schema, options);
            foreach (var g in table) w.WriteRowGroup(g);
            w.Commit();
        }));
    }
    table = null!;
    GC.Collect();
    foreach (var v in CodecVariant.All)
    {
        var file = Path.Combine(workDir, v.File);
        results.Add(Best("read", 1, "variant:" + v.Name, () => ReadAll(file, 1, ParquetReaderOptions.Default)));
    }
    results.Add(Best("read", 1, "variant:no-verify", () => ReadAll(ours, 1, new ParquetReaderOptions { VerifyPageChecksums = false })));
    var duckFile = Path.Combine(workDir, "duck.parquet");
    foreach (var t in threads)
    {
        foreach (var (file, note) in new[] { (ours, ""), (duckFile, "duckdb-file") })
        {
            if (!File.Exists(file)) continue;
            results.Add(Best("read", t, note, () =>
            {
                using var r = ParquetReader.Open(file);
                var groups = new List<RowGroupData>(r.RowGroupCount);
                for (var g = 0; g < r.RowGroupCount; g++) groups.Add(r.ReadRowGroup(g, null, t));
                GC.KeepAlive(groups);
            }));
        }
    }
    // The typed layer the pipeline uses (records with .NET strings), ours only, one run each.
    List<BenchRow>? typed = null;
    results.Add(Once("typed-read", 1, () => typed = ParquetSerializer.Read<BenchRow>(ours)));
    var typedFile = Path.Combine(workDir, "typed.parquet");
    results.Add(Once("typed-write", 1, () => ParquetSerializer.Write(typedFile, typed!)));
    typed = null;

    var all = File.Exists(oursJson) ? JsonSerializer.Deserialize<List<Result>>(File.ReadAllText(oursJson))! : [];
    all.AddRange(results);
    File.WriteAllText(oursJson, JsonSerializer.Serialize(all));
}

static void ReadAll(string file, int threads, ParquetReaderOptions options)
{
    using var r = ParquetReader.Open(file, options);
    var groups = new List<RowGroupData>(r.RowGroupCount);
    for (var g = 0; g < r.RowGroupCount; g++) groups.Add(r.ReadRowGroup(g, null, threads));
    GC.KeepAlive(groups);
}

static void Report(string source, string oursJson, string duckJson, string outMd, string workDir)
{
    var ours = JsonSerializer.Deserialize<List<Result>>(File.ReadAllText(oursJson))!;
    using var duck = JsonDocument.Parse(File.ReadAllText(duckJson));
    var d = duck.RootElement;
    var duckResults = d.GetProperty("results").EnumerateArray().Select(x => new Result(
        x.GetProperty("what").GetString()!, x.GetProperty("threads").GetInt32(), "", x.GetProperty("seconds").GetDouble(), x.GetProperty("cpu_seconds").GetDouble())).ToList();
    long rows;
    double mb;
    using (var src = ParquetReader.Open(source))
    {
        rows = src.RowCount;
        mb = 0;
        for (var g = 0; g < src.RowGroupCount; g++)
            foreach (var c in src.ReadRowGroup(g).Columns)
                mb += c.Column.PhysicalType == PhysicalType.ByteArray ? c.Offsets![c.ValueCount] : c.ValueByteSize;
        mb /= 1e6;
    }
    static Result BestOf(IEnumerable<Result> rs) => rs.MinBy(r => r.Seconds)!;
    var md = new StringBuilder();
    md.AppendLine("# Parquet: SelfSpec.Parquet vs DuckDB");
    md.AppendLine();
    md.AppendLine($"Generated by `bench/parquet/run.sh` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores ({RuntimeCpu()}), .NET {Environment.Version}, DuckDB {d.GetProperty("duckdb_version").GetString()} via @duckdb/node-api {d.GetProperty("node_api").GetString()}. Load average when the report was written: {LoadAverage()}.");
    md.AppendLine();
    md.AppendLine($"Table: {rows:N0} rows of `id BIGINT NOT NULL, task, instruction, input (nullable), output VARCHAR, rouge_max DOUBLE, doc_ids VARCHAR[] (5 each)`, {mb:F0} MB of values (generated by `ParquetBench gen`, deterministic).");
    md.AppendLine("Both sides start from the same rows held in memory in their own columnar form and write SNAPPY with row groups of 122,880 rows. " +
                  "Read = decode every column of every row group into memory (ours: `ParquetReader.ReadRowGroup` → `ColumnData`; DuckDB: `CREATE TEMP TABLE AS SELECT * FROM read_parquet(...)`). " +
                  "The two sides run alternately in several rounds (3 runs each per round); the table shows each side's best wall time, MB/s = table MB / wall seconds, " +
                  "and the CPU seconds of that run (process CPU time, less sensitive to other load on a shared machine).");
    md.AppendLine();
    md.AppendLine("| operation | threads | ours wall (s) | ours MB/s | ours CPU (s) | DuckDB wall (s) | DuckDB MB/s | DuckDB CPU (s) | speed ours / DuckDB (wall) | (CPU) |");
    md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var g in ours.Where(r => r.Note == "").GroupBy(r => (r.What, r.Threads)).OrderBy(g => g.Key.What == "read").ThenBy(g => g.Key.Threads))
    {
        var o = BestOf(g);
        var k = BestOf(duckResults.Where(r => r.What == g.Key.What && r.Threads == g.Key.Threads));
        md.AppendLine(Invariant($"| {o.What} | {o.Threads} | {o.Seconds:F2} | {mb / o.Seconds:F0} | {o.CpuSeconds:F2} | {k.Seconds:F2} | {mb / k.Seconds:F0} | {k.CpuSeconds:F2} | **{k.Seconds / o.Seconds:F2}×** | {k.CpuSeconds / o.CpuSeconds:F2}× |"));
    }
    md.AppendLine();
    md.AppendLine("Ours reading DuckDB's file of the same table (its encodings and page layout) vs DuckDB reading it:");
    md.AppendLine();
    md.AppendLine("| threads | ours wall (s) | ours MB/s | ours CPU (s) | DuckDB wall (s) | DuckDB CPU (s) | speed (wall) |");
    md.AppendLine("|---|---|---|---|---|---|---|");
    foreach (var g in ours.Where(r => r.Note == "duckdb-file").GroupBy(r => r.Threads).OrderBy(g => g.Key))
    {
        var o = BestOf(g);
        var k = BestOf(duckResults.Where(r => r.What == "read" && r.Threads == g.Key));
        md.AppendLine(Invariant($"| {o.Threads} | {o.Seconds:F2} | {mb / o.Seconds:F0} | {o.CpuSeconds:F2} | {k.Seconds:F2} | {k.CpuSeconds:F2} | {k.Seconds / o.Seconds:F2}× |"));
    }
    md.AppendLine();
    var typedRows = ours.Where(r => r.Note == "typed").GroupBy(r => r.What).Select(g => BestOf(g)).ToList();
    if (typedRows.Count > 0)
    {
        md.AppendLine("The typed layer the pipeline uses (`ParquetSerializer.Read<T>` / `Write<T>` with a C# record per row, .NET strings), ours only, single-threaded, same table and file:");
        md.AppendLine();
        md.AppendLine("| operation | wall (s) | MB/s | CPU (s) |");
        md.AppendLine("|---|---|---|---|");
        foreach (var r in typedRows)
            md.AppendLine(Invariant($"| `{(r.What == "typed-read" ? "Read<T>" : "Write<T>")}` | {r.Seconds:F2} | {mb / r.Seconds:F0} | {r.CpuSeconds:F2} |"));
        md.AppendLine();
    }
    var oursFile = Path.Combine(workDir, "ours.parquet");
    var variants = ours.Where(r => r.Note.StartsWith("variant:", StringComparison.Ordinal)).ToList();
    if (variants.Count > 0)
    {
        var write0 = BestOf(ours.Where(r => r.Note == "" && r.What == "write" && r.Threads == 1));
        var read0 = BestOf(ours.Where(r => r.Note == "" && r.What == "read" && r.Threads == 1));
        var size0 = new FileInfo(oursFile).Length;
        md.AppendLine("Codecs and page checksums, ours only, single-threaded, same table, same session: the default (SNAPPY, page CRC-32s written and verified) against " +
                      "ZSTD (ZstdSharp.Port, our reader's own decoder), SNAPPY without page CRCs, and reading the default file without verifying them. " +
                      "Ratios are variant / default (below 1 = faster); time ratios by CPU seconds, less sensitive to the shared machine's load.");
        md.AppendLine();
        md.AppendLine("| variant | write wall (s) | write CPU (s) | write CPU vs default | read wall (s) | read CPU (s) | read CPU vs default | file MB | size vs default |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        md.AppendLine(Invariant($"| SNAPPY + page CRC (default) | {write0.Seconds:F2} | {write0.CpuSeconds:F2} | 1.00 | {read0.Seconds:F2} | {read0.CpuSeconds:F2} | 1.00 | {size0 / 1e6:F1} | 1.00 |"));
        foreach (var v in CodecVariant.All)
        {
            var w = BestOf(variants.Where(r => r.What == "write" && r.Note == "variant:" + v.Name));
            var r = BestOf(variants.Where(r => r.What == "read" && r.Note == "variant:" + v.Name));
            var size = new FileInfo(Path.Combine(workDir, v.File)).Length;
            md.AppendLine(Invariant($"| {v.Name} | {w.Seconds:F2} | {w.CpuSeconds:F2} | {w.CpuSeconds / write0.CpuSeconds:F2} | {r.Seconds:F2} | {r.CpuSeconds:F2} | {r.CpuSeconds / read0.CpuSeconds:F2} | {size / 1e6:F1} | {(double)size / size0:F2} |"));
        }
        var nv = BestOf(variants.Where(r => r.Note == "variant:no-verify"));
        md.AppendLine(Invariant($"| default file, checksums not verified | | | | {nv.Seconds:F2} | {nv.CpuSeconds:F2} | {nv.CpuSeconds / read0.CpuSeconds:F2} | {size0 / 1e6:F1} | 1.00 |"));
        md.AppendLine();
    }
    var duckFile = Path.Combine(workDir, "duck.parquet");
    md.AppendLine(Invariant($"File sizes: ours {new FileInfo(oursFile).Length / 1e6:F1} MB, DuckDB {new FileInfo(duckFile).Length / 1e6:F1} MB."));
    File.WriteAllText(outMd, md.ToString());
    Console.WriteLine(md.ToString());
}

static string LoadAverage()
{
    try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; } catch (IOException) { return "?"; }
}

static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

static string RuntimeCpu()
{
    try { return File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name")).Split(':')[1].Trim(); }
    catch (Exception) { return "unknown CPU"; }
}


static Result Once(string what, int threads, Action action)
{
    GC.Collect();
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    action();
    var wall = sw.Elapsed.TotalSeconds;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    Console.Error.WriteLine($"  ours {what}: {wall:F2} s wall, {cpu:F2} s CPU");
    return new Result(what, threads, "typed", wall, cpu);
}

static Result Best(string what, int threads, string note, Action action)
{
    Result? best = null;
    for (var i = 0; i < 3; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Console.Error.WriteLine($"  ours {what} {note} threads={threads} run {i}: {wall:F2} s wall, {cpu:F2} s CPU");
        if (best == null || wall < best.Seconds) best = new Result(what, threads, note, wall, cpu);
    }
    return best!;
}

internal sealed record CodecVariant(string Name, string File, CompressionCodec Codec, int ZstdLevel, bool PageCrc)
{
    public static readonly CodecVariant[] All =
    [
        new("ZSTD level 3 + page CRC", "ours-zstd3.parquet", CompressionCodec.Zstd, 3, true),
        new("ZSTD level 1 + page CRC", "ours-zstd1.parquet", CompressionCodec.Zstd, 1, true),
        new("SNAPPY without page CRC", "ours-nocrc.parquet", CompressionCodec.Snappy, 3, false),
    ];
}

internal sealed record BenchRow(long Id, string? Task, string? Instruction, string? Input, string? Output, double? RougeMax, List<string?>? DocIds);

internal sealed record Result(string What, int Threads, string Note, double Seconds, double CpuSeconds);
