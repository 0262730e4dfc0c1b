using System.Diagnostics;
using SelfSpec.Evaluation.Metrics;

// Usage: RougeFilterBench SEEDS_FILE CANDIDATES_FILE THRESHOLD THREADS
// Runs the Alpaca novelty filter (keep a candidate iff max ROUGE-L F against seeds + kept ≤ threshold) and prints
// "kept=<n> seconds=<s> checksum=<sum of kept line numbers>" so the result can be compared with the reference.
var seeds = File.ReadAllLines(args[0]).Where(l => l.Length > 0).ToList();
var candidates = File.ReadAllLines(args[1]).Where(l => l.Length > 0).ToList();
double threshold = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
int threads = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var watch = Stopwatch.StartNew();
var pool = new RougeLPool(maxDegreeOfParallelism: threads);
pool.AddRange(seeds);
long checksum = 0;
int kept = 0;
for (int i = 0; i < candidates.Count; i++)
{
    if (pool.TryAddIfNovel(candidates[i], threshold, out _))
    {
        kept++;
        checksum += i;
    }
}
Console.WriteLine($"kept={kept} seconds={watch.Elapsed.TotalSeconds:0.000} checksum={checksum}");
