using System.Diagnostics;
using Lucene.Net.Search;
using Lucene.Net.Store;
using SelfSpec.Oracles;

// The Lucene side of the comparison: Lucene.Net 4.8 (which ranks and scores exactly like Java Lucene 4.10), in this
// process, on an NIOFSDirectory index (this beta's MMapDirectory can crash when a reader is disposed mid-search).
static class LuceneNetSide
{
    public static int Run(string docsTsv, string queriesPath, int k, string indexDir, int threads, string resultsOut)
    {
        if (System.IO.Directory.Exists(indexDir)) System.IO.Directory.Delete(indexDir, true);
        System.IO.Directory.CreateDirectory(indexDir);
        using var directory = new NIOFSDirectory(indexDir);
        using var lucene = new LuceneNetBm25(directory);
        var sw = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        int docs = lucene.Index(File.ReadLines(docsTsv).Select(line =>
        {
            int tab = line.IndexOf('\t');
            return (line[..tab], line[(tab + 1)..]);
        }));
        long buildMs = sw.ElapsedMilliseconds;
        double buildCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
        var queries = File.ReadAllLines(queriesPath).Select(lucene.Query).ToArray();
        var (reader, searcher) = lucene.OpenSearcher();
        using (reader)
        {
            for (int i = 0; i < Math.Min(50, queries.Length); i++) searcher.Search(queries[i], k); // warm-up
            var ms = new double[queries.Length];
            var cpuMs = new double[queries.Length];
            var results = new TopDocs[queries.Length];
            for (int i = 0; i < queries.Length; i++)
            {
                long c0 = ThreadCpu.Nanoseconds();
                long t0 = Stopwatch.GetTimestamp();
                results[i] = searcher.Search(queries[i], k);
                ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                cpuMs[i] = (ThreadCpu.Nanoseconds() - c0) / 1e6;
            }
            int next = -1;
            var b0 = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < queries.Length) searcher.Search(queries[i], k);
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            double batchS = b0.Elapsed.TotalSeconds;
            using (var w = new StreamWriter(resultsOut))
                foreach (var r in results) w.WriteLine(string.Join(' ', r.ScoreDocs.Select(sd => LuceneNetBm25.Id(searcher, sd.Doc))));
            Console.WriteLine($"docs={docs}");
            Console.WriteLine($"build_ms={buildMs}");
            Console.WriteLine($"build_cpu_ms={buildCpuMs}");
            QueryTimes.Print(ms, cpuMs, batchS);
        }
        Console.WriteLine($"index_bytes={System.IO.Directory.GetFiles(indexDir).Sum(f => new FileInfo(f).Length)}");
        return 0;
    }
}
