using System.Diagnostics;
using System.Globalization;
using SelfSpec.Torch;

// bench/attention: one decode step's attention (Functional.DecodeAttention: one new query per row over a KV cache) on
// model shapes with grouped-query attention. Prints one line per shape: the median milliseconds of 100 calls after 10
// warm-up calls. run.sh runs it with the query heads of a KV head taken together (the default) and one head per pass
// (SELFSPEC_ATTENTION_GROUPED=0), alternating processes, and writes bench/results/attention.md.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
(string Name, int Rows, int Heads, int KvHeads, int Length, int Dim)[] shapes =
[
    ("serving bench `small`, 8 rows, 100 positions", 8, 8, 4, 100, 64),
    ("TinyLlama-1.1B shape, 1 row, 2,048 positions", 1, 32, 4, 2048, 64),
    ("Mistral-7B shape, 1 row, 4,096 positions", 1, 32, 8, 4096, 128),
    ("Mistral-7B shape, 8 rows, 2,048 positions", 8, 32, 8, 2048, 128),
];
using var g = new Generator(7);
foreach (var (name, rows, heads, kvHeads, length, dim) in shapes)
{
    using var scope = DisposeScope.Begin();
    var q = Tensor.Randn([rows, heads, dim], g);
    var k = Tensor.Randn([rows, kvHeads, length, dim], g);
    var v = Tensor.Randn([rows, kvHeads, length, dim], g);
    var times = new List<double>();
    for (var i = 0; i < 110; i++)
    {
        var sw = Stopwatch.StartNew();
        using (Functional.DecodeAttention(q, k, v, null, 1 / Math.Sqrt(dim))) { }
        if (i >= 10) times.Add(sw.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"{name}\t{times.Order().ElementAt(times.Count / 2):F3}");
}
