// Measures SelfSpec.Torch on the workloads bench/torch/torch_reference.py measures with PyTorch.
// Prints one JSON object; bench/torch/run.sh puts both side by side.
using System.Diagnostics;
using System.Text.Json;
using SelfSpec.Torch;

var threads = args.Length > 0 ? int.Parse(args[0]) : Environment.ProcessorCount;
Torch.Threads = threads;

double Median(List<double> xs)
{
    xs.Sort();
    return xs[xs.Count / 2];
}

// 1024³ float32 matmul: GFLOP/s over repeated products (median of runs).
const int n = 1024;
using var gen = new Generator(0);
using var a = Tensor.Randn([n, n], gen);
using var b = Tensor.Randn([n, n], gen);
for (var i = 0; i < 3; i++) a.MatMul(b).Dispose();
var matmulTimes = new List<double>();
for (var r = 0; r < 20; r++)
{
    var sw = Stopwatch.StartNew();
    using var c = a.MatMul(b);
    matmulTimes.Add(sw.Elapsed.TotalSeconds);
}
var gflops = 2.0 * n * n * n / Median(matmulTimes) / 1e9;

// Dispatch latency: 100,000 adds of two small tensors, each result freed.
using var x = Tensor.Ones([8]);
using var y = Tensor.Ones([8]);
double AddLoopUsing()
{
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < 100_000; i++)
    {
        using var z = x.Add(y);
    }
    return sw.Elapsed.TotalSeconds / 100_000 * 1e6;
}
double AddLoopScoped()
{
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < 100; i++)
    {
        using var scope = DisposeScope.Begin();
        for (var j = 0; j < 1000; j++) x.Add(y);
    }
    return sw.Elapsed.TotalSeconds / 100_000 * 1e6;
}
AddLoopUsing();
AddLoopScoped();
var usingTimes = new List<double>();
var scopedTimes = new List<double>();
for (var r = 0; r < 5; r++)
{
    usingTimes.Add(AddLoopUsing());
    scopedTimes.Add(AddLoopScoped());
}

Console.WriteLine(JsonSerializer.Serialize(new
{
    impl = "SelfSpec.Torch",
    torch_version = Torch.Version,
    threads = Torch.Threads,
    matmul_gflops = gflops,
    matmul_ms = Median(matmulTimes) * 1e3,
    add_us_using = Median(usingTimes),
    add_us_scope = Median(scopedTimes),
}));
