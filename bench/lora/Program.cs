using System.Diagnostics;
using System.Globalization;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

// bench/lora: what LoRA adapters add to the forward pass, in process (no server): the serving bench's `small` shape,
// 8 rows; decode steps (fused layers; the fastest single step) and a prefill pass of 3 prompts, with no adapter, one on every row, and two rows on
// each of 4 rank-8 adapters (all projections). Each figure is the fastest of several repetitions (the machine is shared).
// Usage (after `dotnet build bench/lora/SelfSpec.Lora.Bench.csproj -c Release`):
//   dotnet bench/lora/bin/Release/net10.0/SelfSpec.Lora.Bench.dll [threads...]   decode steps and prefill passes
//   ... SelfSpec.Lora.Bench.dll kernel           Functional.AddLowRank alone on a decode step's shapes, one thread
//   ... SelfSpec.Lora.Bench.dll prefill-kernel   a prefill's q/k/v group: plain, with the updates in its region, then AddLowRank
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var config = new LlamaConfig
{
    VocabSize = 8000, HiddenSize = 512, IntermediateSize = 1408, NumLayers = 8, NumHeads = 8, NumKeyValueHeads = 4, HeadDim = 64,
    MaxPositions = 1024, EosTokenIds = [2], BosTokenId = 1,
};
using var model = LlamaModel.CreateRandom(config, seed: 11);
var adapters = Enumerable.Range(0, 4).Select(i =>
{
    var adapter = LoraAdapter.CreateTrainable(config, new LoraConfig { Rank = 8, Alpha = 16 }, (ulong)(50 + i));
    using (new NoGrad())
    using (var g = new Generator((ulong)(500 + i)))
        foreach (var pair in adapter.Pairs.Values) pair.B.NormalInPlace(0, 0.02, g);
    return adapter;
}).ToArray();
const int rows = 8, prefillWidth = 40, steps = 64, repetitions = 12;
var layouts = new (string Name, LoraAdapter?[] Rows)[]
{
    ("base", new LoraAdapter?[rows]),
    ("one adapter", Enumerable.Repeat<LoraAdapter?>(adapters[0], rows).ToArray()),
    ("4 adapters", Enumerable.Range(0, rows).Select(r => (LoraAdapter?)adapters[r % 4]).ToArray()),
};

var cpuFastest = double.MaxValue; // the calling thread's least CPU time of one decode step (robust to preemption; at 1 thread the step's cost)

// The fastest decode step's milliseconds, of `rows` rows after a prefill of prefillWidth positions.
double Decode(LoraAdapter?[] adapterOfRow)
{
    using var noGrad = new NoGrad();
    using var scope = DisposeScope.Begin();
    using var cache = model.CreateCache(rows, prefillWidth + steps);
    using var perRow = adapterOfRow.All(a => a == null) ? null : new RowAdapters(adapterOfRow);
    var ids = Tensor.From<long>(Enumerable.Range(0, rows * prefillWidth).Select(i => (long)(3 + i * 37 % 7000)).ToArray(), [rows, prefillWidth]);
    var mask = Tensor.Ones([rows, prefillWidth + steps], DType.Int64);
    model.Forward(ids, mask.Narrow(1, 0, prefillWidth), cache, perRow, lastPositionOnly: true);
    var next = Tensor.From<long>(Enumerable.Range(0, rows).Select(i => (long)(10 + i)).ToArray(), [rows, 1]);
    var fastest = double.MaxValue;
    for (var s = 0; s < steps; s++)
    {
        var cpu = ThreadCpu.Milliseconds();
        var sw = Stopwatch.StartNew();
        model.Forward(next, mask.Narrow(1, 0, prefillWidth + s + 1), cache, perRow, lastPositionOnly: true).Dispose();
        var wall = sw.Elapsed.TotalMilliseconds;
        fastest = Math.Min(fastest, wall);
        cpuFastest = Math.Min(cpuFastest, ThreadCpu.Milliseconds() - cpu);
    }
    return fastest;
}

// Milliseconds per prefill pass of 3 prompts of prefillWidth tokens (the serving bench admits ~3 at a time).
double Prefill(LoraAdapter?[] adapterOfRow)
{
    const int prompts = 3;
    using var noGrad = new NoGrad();
    using var scope = DisposeScope.Begin();
    using var cache = model.CreateCache(prompts, prefillWidth + 1);
    using var perRow = adapterOfRow.All(a => a == null) ? null : new RowAdapters(adapterOfRow.Take(prompts).ToArray());
    var ids = Tensor.From<long>(Enumerable.Range(0, prompts * prefillWidth).Select(i => (long)(3 + i * 37 % 7000)).ToArray(), [prompts, prefillWidth]);
    var sw = Stopwatch.StartNew();
    model.Forward(ids, null, cache, perRow, lastPositionOnly: true).Dispose();
    return sw.Elapsed.TotalMilliseconds;
}

if (args.Length > 0 && args[0] == "kernel")
{
    // The low-rank kernel alone on one decode step's shapes (8 rows, 4 adapters, two rows each), its matrices in cache:
    // microseconds per call of Functional.AddLowRank, the fastest of many.
    Torch.Threads = 1;
    using var noGrad = new NoGrad();
    using var g = new Generator(1);
    foreach (var (inF, outF) in new[] { (16, 16), (512, 512), (512, 256), (512, 1408), (1408, 512) })
    {
        var matrices = new (Tensor A, Tensor B)?[1, 4];
        for (var i = 0; i < 4; i++) matrices[0, i] = (Tensor.Randn([8, inF], g), Tensor.Randn([outF, 8], g));
        var lowRank = new LowRankAdapters([2.0, 2.0, 2.0, 2.0], matrices);
        var x = Tensor.Randn([8, inF], g);
        var y = Tensor.Zeros([8, outF]);
        int[] rowsOf = [0, 1, 2, 3, 0, 1, 2, 3];
        var best = double.MaxValue;
        for (var i = 0; i < 3000; i++)
        {
            var sw = Stopwatch.StartNew();
            Functional.AddLowRank(y, x, lowRank, 0, rowsOf);
            best = Math.Min(best, sw.Elapsed.TotalMicroseconds);
        }
        var macs = 8.0 * 8 * (inF + outF);
        Console.WriteLine($"{inF} -> {outF}: {best:F1} us per call ({macs / best / 1e3:F2} GFMA/s)");
    }
    return;
}
if (args.Length > 0 && args[0] == "prefill-kernel")
{
    // One prefill pass's q/k/v group (3 prompts x 40 positions, hidden 512) with and without the rows' adapters, in
    // the same parallel region: the fastest of many calls, microseconds.
    using var noGrad = new NoGrad();
    using var g = new Generator(2);
    int[] outs = [512, 256, 256];
    var weights = outs.Select(n => TiledWeight.From(Tensor.Randn([n, 512], g))).ToArray();
    var matrices = new (Tensor A, Tensor B)?[3, 4];
    for (var p = 0; p < 3; p++)
        for (var i = 0; i < 4; i++) matrices[p, i] = (Tensor.Randn([8, 512], g), Tensor.Randn([outs[p], 8], g));
    var lowRank = new LowRankAdapters([2.0, 2.0, 2.0, 2.0], matrices);
    var x = Tensor.Randn([3, prefillWidth, 512], g);
    foreach (var threads in new[] { 2, 1 })
    {
        Torch.Threads = threads;
        double Best(Action run)
        {
            var best = double.MaxValue;
            for (var i = 0; i < 300; i++)
            {
                var sw = Stopwatch.StartNew();
                run();
                best = Math.Min(best, sw.Elapsed.TotalMicroseconds);
            }
            return best;
        }
        var plain = Best(() => { foreach (var y in Functional.TiledLinear(x, weights)) y.Dispose(); });
        var together = Best(() => { foreach (var y in Functional.TiledLinearWithAdapters(x, weights, null, lowRank, [0, 1, 2], [0, 1, 2])) y.Dispose(); });
        var separate = Best(() =>
        {
            var ys = Functional.TiledLinear(x, weights);
            for (var p = 0; p < 3; p++) Functional.AddLowRank(ys[p], x, lowRank, p, [0, 1, 2]);
            foreach (var y in ys) y.Dispose();
        });
        Console.WriteLine($"{threads} thread(s): q/k/v {plain:F0} us; with adapters in the region {together:F0} us (+{together - plain:F0}); then AddLowRank {separate:F0} us (+{separate - plain:F0})");
    }
    return;
}
var threadCounts = args.Length > 0 ? args.Select(int.Parse).ToArray() : [Torch.Threads, 1];
foreach (var threads in threadCounts)
{
    Torch.Threads = threads;
    foreach (var (_, layout) in layouts) { Decode(layout); Prefill(layout); } // warm-up
    // The layouts take turns, so that a stretch of load from elsewhere falls on all of them.
    var decode = new double[layouts.Length];
    var cpu = new double[layouts.Length];
    var prefill = new double[layouts.Length];
    Array.Fill(decode, double.MaxValue);
    Array.Fill(cpu, double.MaxValue);
    Array.Fill(prefill, double.MaxValue);
    for (var r = 0; r < repetitions; r++)
        for (var i = 0; i < layouts.Length; i++)
        {
            cpuFastest = double.MaxValue;
            decode[i] = Math.Min(decode[i], Decode(layouts[i].Rows));
            cpu[i] = Math.Min(cpu[i], cpuFastest);
            prefill[i] = Math.Min(prefill[i], Prefill(layouts[i].Rows));
        }
    for (var i = 0; i < layouts.Length; i++)
        Console.WriteLine($"{threads} thread(s), {layouts[i].Name,-12}: decode step {decode[i]:F3} ms ({decode[i] / decode[0]:F2}x, +{decode[i] - decode[0]:F3} ms), "
            + $"CPU {cpu[i]:F3} ms; prefill pass {prefill[i]:F2} ms ({prefill[i] / prefill[0]:F2}x)");
}
Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
foreach (var a in adapters) a.Dispose();

/// <summary>The calling thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)): time spent descheduled does not count.</summary>
internal static partial class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static double Milliseconds()
    {
        ClockGetTime(3, out var t); // CLOCK_THREAD_CPUTIME_ID
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }
}
