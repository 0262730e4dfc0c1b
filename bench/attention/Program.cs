using System.Diagnostics;
using System.Globalization;
using SelfSpec.Torch;

// bench/attention: one decode step's attention (Functional.DecodeAttention: one new query per row over a KV cache) on
// model shapes with grouped-query attention. Prints two lines per shape, the median milliseconds of 100 calls after 10
// warm-up calls: with the calls back to back (a short cache stays in the CPU's caches between them) and with 64 MB read
// before each call, as a decode step's weights pass through the caches between one layer's attention and the next step's.
// run.sh runs it with the defaults and with each of SELFSPEC_ATTENTION_GROUPED=0 and SELFSPEC_ATTENTION_PREFETCH=0,
// alternating processes, and writes bench/results/attention.md.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
(string Name, int Rows, int Heads, int KvHeads, int Length, int Dim)[] shapes =
[
    ("serving bench `small`, 8 rows, 100 positions", 8, 8, 4, 100, 64),
    ("TinyLlama-1.1B shape, 1 row, 2,048 positions", 1, 32, 4, 2048, 64),
    ("Mistral-7B shape, 1 row, 4,096 positions", 1, 32, 8, 4096, 128),
    ("Mistral-7B shape, 8 rows, 2,048 positions", 8, 32, 8, 2048, 128),
];
using var g = new Generator(7);
// The kernel pool's workers keep spinning while the buffer is read (they would fall asleep after 200 µs, and waking them
// is not what a decode step, whose parallel regions come back to back, pays).
Torch.KernelSpinMicroseconds = 1_000_000;
// 64 MB, more than the last-level cache; written, so that its pages are its own rather than the kernel's shared zero page.
var evict = new float[16 << 20];
Array.Fill(evict, 1f);
var evicted = 0f;
foreach (var (name, rows, heads, kvHeads, length, dim) in shapes)
{
    using var scope = DisposeScope.Begin();
    var q = Tensor.Randn([rows, heads, dim], g);
    var k = Tensor.Randn([rows, kvHeads, length, dim], g);
    var v = Tensor.Randn([rows, kvHeads, length, dim], g);
    foreach (var cold in new[] { false, true })
    {
        var times = new List<double>();
        for (var i = 0; i < 110; i++)
        {
            if (cold)
                for (var j = 0; j < evict.Length; j += 16) evicted += evict[j]; // one read per 64-byte line
            var sw = Stopwatch.StartNew();
            using (Functional.DecodeAttention(q, k, v, null, 1 / Math.Sqrt(dim))) { }
            if (i >= 10) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"{name}{(cold ? ", cache evicted before each call" : "")}\t{times.Order().ElementAt(times.Count / 2):F3}");
    }
}
if (evicted == 0) Console.Error.WriteLine("unexpected: nothing was read from the eviction buffer");
