// Benchmark driver: synthetic corpus generation and both sides of the BM25 comparison with Lucene (Lucene.Net 4.8,
// which ranks and scores exactly like Java Lucene 4.10).
//   RetrievalBench generate OUT_DIR DOCS QUERIES [WORDS_PER_DOC=150] [VOCAB=200000] [SEED=42]
//       writes docs.tsv (id<TAB>text, for Lucene), docs.jsonl (for us) and queries.txt (30 words each)
//   RetrievalBench run DOCS.jsonl QUERIES.txt K INDEX_DIR THREADS RESULTS_OUT
//       build (timed, merged to one segment like the Lucene side), single-thread latencies, batch throughput;
//       prints key=value lines; writes each query's top-k ids to RESULTS_OUT
//   RetrievalBench lucene DOCS.tsv QUERIES.txt K INDEX_DIR THREADS RESULTS_OUT
//       the same with Lucene.Net (EnglishAnalyzer + BM25Similarity, one SHOULD TermQuery per query term): LuceneNetSide.cs
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return args[0] switch
{
    "generate" => Generate(args[1], int.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : 150,
        args.Length > 5 ? int.Parse(args[5]) : 200_000, args.Length > 6 ? int.Parse(args[6]) : 42),
    "run" => await Run(args[1], args[2], int.Parse(args[3]), args[4], int.Parse(args[5]), args[6]),
    "lucene" => LuceneNetSide.Run(args[1], args[2], int.Parse(args[3]), args[4], int.Parse(args[5]), args[6]),
    _ => 2,
};

static int Generate(string outDir, int docs, int queries, int wordsPerDoc, int vocabSize, int seed)
{
    Directory.CreateDirectory(outDir);
    var rng = new Random(seed);
    var vocab = Vocabulary(vocabSize, rng);
    // Zipf (s = 1) over ranks: cumulative weights for inverse-CDF sampling.
    var cumulative = new double[vocab.Length];
    double sum = 0;
    for (int i = 0; i < vocab.Length; i++) cumulative[i] = sum += 1.0 / (i + 1);
    int Sample()
    {
        int r = Array.BinarySearch(cumulative, rng.NextDouble() * sum);
        if (r < 0) r = ~r;
        return Math.Min(r, vocab.Length - 1);
    }

    using (var tsv = new StreamWriter(Path.Combine(outDir, "docs.tsv"), false, new UTF8Encoding(false), 1 << 20))
    using (var jsonl = new StreamWriter(Path.Combine(outDir, "docs.jsonl"), false, new UTF8Encoding(false), 1 << 20))
    {
        var sb = new StringBuilder();
        for (int d = 0; d < docs; d++)
        {
            sb.Clear();
            int n = wordsPerDoc / 2 + rng.Next(wordsPerDoc + 1); // 75..225 words, mean 150
            for (int w = 0; w < n; w++)
            {
                if (w > 0) sb.Append(w % 17 == 16 ? ". " : " ");
                sb.Append(vocab[Sample()]);
            }
            sb.Append('.');
            var text = sb.ToString();
            tsv.Write("D"); tsv.Write(d); tsv.Write('\t'); tsv.WriteLine(text);
            jsonl.Write("{\"pmid\":\"D"); jsonl.Write(d); jsonl.Write("\",\"abstract\":\""); jsonl.Write(text); jsonl.WriteLine("\"}");
        }
    }
    using (var q = new StreamWriter(Path.Combine(outDir, "queries.txt"), false, new UTF8Encoding(false)))
        for (int i = 0; i < queries; i++)
            q.WriteLine(string.Join(' ', Enumerable.Range(0, 30).Select(_ => vocab[Sample()])));
    Console.WriteLine($"generated {docs} docs, {queries} queries, vocabulary {vocab.Length}");
    return 0;
}

// Biomedical-looking words: optional prefix + 1–3 syllables + suffix, all distinct, in random rank order.
static string[] Vocabulary(int size, Random rng)
{
    string[] prefixes = ["", "", "cardio", "neuro", "hepato", "nephro", "osteo", "immuno", "hemato", "myo", "onco", "gastro", "pulmo",
        "derma", "endo", "angio", "lympho", "cyto", "geno", "proteo", "pharmaco", "patho", "glyco", "lipo", "thrombo", "fibro", "adeno"];
    string[] suffixes = ["itis", "ase", "in", "oma", "osis", "cyte", "gen", "emia", "pathy", "ectomy", "logy", "plasm", "trophin", "kinase",
        "globin", "id", "ol", "one", "amine", "statin", "mab", "nib", "vir", "zole", "pril", "sartan", "ide", "ar", "um", "ex"];
    string consonants = "bcdfghklmnprstvxz", vowels = "aeiouy";
    var seen = new HashSet<string>();
    var words = new List<string>(size);
    var sb = new StringBuilder();
    while (words.Count < size)
    {
        sb.Clear();
        sb.Append(prefixes[rng.Next(prefixes.Length)]);
        int syllables = 1 + rng.Next(3);
        for (int s = 0; s < syllables; s++) sb.Append(consonants[rng.Next(consonants.Length)]).Append(vowels[rng.Next(vowels.Length)]);
        sb.Append(suffixes[rng.Next(suffixes.Length)]);
        var w = sb.ToString();
        if (seen.Add(w)) words.Add(w);
    }
    return [.. words];
}

static async Task<int> Run(string docsPath, string queriesPath, int k, string indexDir, int threads, string resultsOut)
{
    if (Directory.Exists(indexDir)) Directory.Delete(indexDir, true);
    var sw = Stopwatch.StartNew();
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    // One analysis thread, like the single indexing thread of the Lucene side.
    await Build(indexDir, docsPath, analysisThreads: 1);
    long buildMs = sw.ElapsedMilliseconds;
    double buildCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
    // The same build with analysis on all cores (what `selfspec index build` does).
    var parallelDir = indexDir + "-parallel";
    if (Directory.Exists(parallelDir)) Directory.Delete(parallelDir, true);
    sw.Restart();
    await Build(parallelDir, docsPath, analysisThreads: 0);
    long parallelBuildMs = sw.ElapsedMilliseconds;
    Directory.Delete(parallelDir, true);
    var queries = File.ReadAllLines(queriesPath);
    using var reader = IndexReader.Open(indexDir);
    var searcher = new Bm25Searcher(reader);
    var parsed = queries.Select(Bm25Query.Parse).ToArray();
    for (int i = 0; i < Math.Min(50, parsed.Length); i++) searcher.TopK(parsed[i], k); // warm-up
    var ms = new double[parsed.Length];
    var cpuMs = new double[parsed.Length];
    var results = new TopDocs[parsed.Length];
    long scored = 0;
    for (int i = 0; i < parsed.Length; i++)
    {
        long c0 = ThreadCpu.Nanoseconds();
        long t0 = Stopwatch.GetTimestamp();
        results[i] = searcher.TopK(parsed[i], k);
        ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        cpuMs[i] = (ThreadCpu.Nanoseconds() - c0) / 1e6;
        scored += results[i].ScoredDocuments;
    }
    var b0 = Stopwatch.StartNew();
    searcher.SearchBatch(queries, k, threads: threads);
    double batchS = b0.Elapsed.TotalSeconds;
    using (var w = new StreamWriter(resultsOut))
        foreach (var r in results) w.WriteLine(string.Join(' ', r.Docs.Select(d => reader.Stored(d).Id)));
    long bytes = Directory.GetFiles(indexDir).Sum(f => new FileInfo(f).Length);
    Console.WriteLine($"docs={reader.LiveDocCount}");
    Console.WriteLine($"build_ms={buildMs}");
    Console.WriteLine($"build_cpu_ms={buildCpuMs}");
    Console.WriteLine($"build_parallel_ms={parallelBuildMs}");
    QueryTimes.Print(ms, cpuMs, batchS);
    Console.WriteLine($"index_bytes={bytes}");
    Console.WriteLine($"mean_examined_docs={scored / (double)parsed.Length}");
    return 0;
}

static async Task Build(string dir, string docsPath, int analysisThreads)
{
    using var writer = IndexWriter.Open(dir, new IndexWriterOptions { Create = true, MaxBufferedDocs = 100_000, AnalysisThreads = analysisThreads });
    await writer.ApplyAsync(JsonlCorpusReader.ReadFileAsync(docsPath));
    writer.ForceMerge();
    writer.Commit();
}

// The per-query lines both sides print: single-thread CPU and wall percentiles, mean wall time, batch throughput.
static class QueryTimes
{
    public static void Print(double[] wallMs, double[] cpuMs, double batchSeconds)
    {
        double mean = wallMs.Average();
        var wall = wallMs.Order().ToArray();
        var cpu = cpuMs.Order().ToArray();
        Console.WriteLine($"p50_cpu_ms={cpu[cpu.Length / 2]}");
        Console.WriteLine($"p95_cpu_ms={cpu[P95(cpu.Length)]}");
        Console.WriteLine($"p50_ms={wall[wall.Length / 2]}");
        Console.WriteLine($"p95_ms={wall[P95(wall.Length)]}");
        Console.WriteLine($"mean_ms={mean}");
        Console.WriteLine($"batch_qps={wallMs.Length / batchSeconds}");
    }

    private static int P95(int n) => Math.Min(n - 1, (int)Math.Ceiling(n * 0.95) - 1);
}

// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): on a shared, oversubscribed machine this measures the
// work a query costs, independent of how long the thread waited for a core.
static class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec value);

    public static long Nanoseconds()
    {
        ClockGetTime(3, out var t);
        return t.Seconds * 1_000_000_000L + t.Nanoseconds;
    }
}
