// Times prefill and greedy decode of SelfSpec.Llm on a model directory, the same way bench/llm/torch_eager.py does.
// Usage: LlmBench MODEL_DIR BATCH PROMPT_LEN NEW_TOKENS THREADS [f32|bf16w|bf16] [REPS] -> one JSON line (best of REPS)
//   f32: float32 weights and compute; bf16w: bfloat16 weights, float32 compute; bf16: bfloat16 weights and compute.
// Diagnostics: LlmBench kernel THREADS (LinearRows vs libtorch linear per matrix);
//              LlmBench probe MODEL_DIR THREADS (libtorch linear on a memory-mapped vs a copied weight);
//              LlmBench parts MODEL_DIR ROWS THREADS [f32|bf16w] [prefill] (all projections alone vs a whole decode
//              step or 64-token prefill). LLMBENCH_CPU_TIME=1: kernel and parts report process CPU time, not wall time.
//              LlmBench sampling THREADS (one sampled token per row: temperature 1, top-p 0.98, 8 rows, vocabularies of
//              2,048 and 32,000; one JSON line per vocabulary, as bench/llm/torch_sampling.py prints).
using System.Diagnostics;
using System.Text.Json;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

if (args[0] == "kernel")
{
    // Micro-benchmark: LinearRows vs libtorch linear on one weight matrix (best of 20 x 10 calls).
    Torch.Threads = int.Parse(args[1]);
    foreach (var (n, k) in new[] { (2048L, 768L), (32000L, 768L) })
    foreach (var wt in new[] { DType.Float32, DType.BFloat16 })
    foreach (var m in new[] { 1L, 8L })
    {
        using var scope = DisposeScope.Begin();
        var w = Tensor.Randn([n, k]).To(wt);
        var wf = w.To(DType.Float32);
        var x = Tensor.Randn([m, k]);
        double Time(Func<Tensor> f)
        {
            if (Environment.GetEnvironmentVariable("LLMBENCH_CPU_TIME") == "1")
            {
                // Process CPU time per call: insensitive to being descheduled on a loaded machine (run with 1 thread).
                var cpu = Process.GetCurrentProcess();
                f().Dispose();
                cpu.Refresh();
                var t0 = cpu.TotalProcessorTime;
                for (var i = 0; i < 100; i++) f().Dispose();
                cpu.Refresh();
                return (cpu.TotalProcessorTime - t0).TotalMilliseconds / 100;
            }
            var best = double.MaxValue;
            for (var r = 0; r < 20; r++)
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < 10; i++) f().Dispose();
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds / 10);
            }
            return best;
        }
        var rowsMs = Time(() => Functional.LinearRows(x, w));
        var blasMs = Time(() => Functional.Linear(x, wf));
        var bytes = n * k * (wt == DType.Float32 ? 4 : 2);
        Console.WriteLine($"[{n}x{k}] {wt} M={m}: LinearRows {rowsMs:F3} ms ({bytes / rowsMs / 1e6:F1} GB/s)  at::linear f32 {blasMs:F3} ms");
    }
    return;
}
if (args[0] == "sampling")
{
    Torch.Threads = int.Parse(args[1]);
    using var noGradSampling = new NoGrad();
    foreach (var vocab in new[] { 2048, 32000 })
    {
        using var scope = DisposeScope.Begin();
        using var g = new SelfSpec.Torch.Generator(1);
        var logits = Tensor.Randn([8, vocab], g).Mul(3.0);
        using var sampler = new SelfSpec.Llm.Generation.LogitsSampler(SelfSpec.Llm.Generation.SamplingOptions.Sample(1.0, 0.98, seed: 7));
        sampler.Next(logits, null);
        var best = double.MaxValue;
        for (var r = 0; r < 20; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 20; i++) sampler.Next(logits, null);
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / 20);
        }
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["impl"] = "selfspec", ["vocab"] = vocab, ["rows"] = 8, ["ms_per_step"] = best }));
    }
    return;
}
if (args[0] == "probe")
{
    // Where does prefill time go? libtorch linear on a memory-mapped weight vs the same weight copied to anonymous memory.
    Torch.Threads = int.Parse(args[2]);
    using var file = SelfSpec.Llm.Checkpoints.SafetensorsFile.Open(Path.Combine(args[1], "model.safetensors"));
    using var scope = DisposeScope.Begin();
    var mapped = file.Load("model.layers.0.mlp.up_proj.weight");
    var copied = mapped.Clone();
    var x = Tensor.Randn([1, 64, 768]);
    foreach (var (name, w) in new[] { ("mapped", mapped), ("copied", copied), ("mapped", mapped), ("copied", copied) })
    {
        var best = double.MaxValue;
        for (var r = 0; r < 10; r++)
        {
            var sw = Stopwatch.StartNew();
            Functional.Linear(x, w).Dispose();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"{name}: {best:F2} ms");
    }
    return;
}
if (args[0] == "parts")
{
    // Where does a decode step go? Every projection and lm_head through LinearRows at M rows vs a whole decode step.
    Torch.Threads = int.Parse(args[3]);
    var m = long.Parse(args[2]);
    using var pm = LlamaModel.Load(args[1], args.Length > 4 && args[4] == "bf16w" ? new LlamaLoadOptions { WeightDType = DType.BFloat16 } : new LlamaLoadOptions());
    using var png = new NoGrad();
    using var pscope = DisposeScope.Begin();
    var prefillParts = args.Length > 5 && args[5] == "prefill";
    var rowsPerSeq = prefillParts ? 64 : 1;
    var xs = new Dictionary<long, Tensor> { [768] = Tensor.Randn([m, rowsPerSeq, 768]), [2048] = Tensor.Randn([m, rowsPerSeq, 2048]) };
    var proc = Process.GetCurrentProcess();
    var cpuTime = Environment.GetEnvironmentVariable("LLMBENCH_CPU_TIME") == "1";
    double Elapsed(Stopwatch sw, TimeSpan cpu0) { proc.Refresh(); return cpuTime ? (proc.TotalProcessorTime - cpu0).TotalMilliseconds : sw.Elapsed.TotalMilliseconds; }
    TimeSpan Cpu() { proc.Refresh(); return proc.TotalProcessorTime; }
    double LinearsOnce()
    {
        var c0 = Cpu();
        var sw = Stopwatch.StartNew();
        foreach (var layer in pm.Layers)
            foreach (var p in LlamaProjections.All)
                layer[p].Apply(xs[p.InFeatures(pm.Config)]).Dispose();
        if (!prefillParts) Functional.LinearRows(xs[768], pm.LmHead).Dispose();
        return Elapsed(sw, c0);
    }
    using var pcache = pm.CreateCache((int)m, 80);
    using var pids = Tensor.RandInt(3, 1000, [m, 64]);
    pm.Forward(pids, cache: pcache, lastPositionOnly: true).Dispose();
    using var one = Tensor.RandInt(3, 1000, [m, 1]);
    double StepOnce()
    {
        var c0 = Cpu();
        var sw = Stopwatch.StartNew();
        if (prefillParts) { pcache.Reset(); pm.Forward(pids, cache: pcache, lastPositionOnly: true).Dispose(); }
        else pm.Forward(one, cache: pcache, lastPositionOnly: true).Dispose();
        return Elapsed(sw, c0);
    }
    for (var r = 0; r < 3; r++)
    {
        double lin = double.MaxValue, step = double.MaxValue;
        for (var i = 0; i < 5; i++) { lin = Math.Min(lin, LinearsOnce()); }
        for (var i = 0; i < 5 && pcache.Length < 79; i++) { step = Math.Min(step, StepOnce()); }
        Console.WriteLine($"M={m}: all linears {lin:F1} ms, decode step {step:F1} ms");
    }
    return;
}
var dir = args[0];
int batch = int.Parse(args[1]), promptLength = int.Parse(args[2]), newTokens = int.Parse(args[3]), threads = int.Parse(args[4]);
var mode = args.Length > 5 ? args[5] : "f32";
var reps = args.Length > 6 ? int.Parse(args[6]) : 1;
Torch.Threads = threads;
var options = mode switch
{
    "f32" => new LlamaLoadOptions(),
    "bf16w" => new LlamaLoadOptions { WeightDType = DType.BFloat16 },
    "bf16" => new LlamaLoadOptions { DType = DType.BFloat16 },
    _ => throw new ArgumentException($"unknown mode {mode}"),
};
using var model = LlamaModel.Load(dir, options);
using var noGrad = new NoGrad();
using var generator = new SelfSpec.Torch.Generator(0);
using var ids = Tensor.RandInt(3, model.Config.VocabSize, [batch, promptLength], generator);

// Warm-up (first-call costs), then prefill and decode through the preallocated cache, greedy argmax each step.
using (var warm = model.CreateCache(batch, 16))
using (var w = ids.Narrow(1, 0, 8))
using (model.Forward(w, cache: warm, lastPositionOnly: true)) { }

using var cache = model.CreateCache(batch, promptLength + newTokens);
double prefill = double.MaxValue, decode = double.MaxValue, prefillCpu = double.MaxValue, decodeCpu = double.MaxValue;
var self = Process.GetCurrentProcess();
TimeSpan CpuNow() { self.Refresh(); return self.TotalProcessorTime; }
for (var rep = 0; rep < reps; rep++)
{
    cache.Reset();
    var cpu0 = CpuNow();
    var sw = Stopwatch.StartNew();
    Tensor next;
    using (var scope = DisposeScope.Begin())
    {
        var logits = model.Forward(ids, cache: cache, lastPositionOnly: true);
        next = scope.MoveToOuter(logits.Select(1, 0).ArgMax(-1, keepDim: true));
    }
    prefill = Math.Min(prefill, sw.Elapsed.TotalSeconds);
    var cpu1 = CpuNow();
    prefillCpu = Math.Min(prefillCpu, (cpu1 - cpu0).TotalSeconds);
    sw.Restart();
    var steps = new List<double>();
    for (var i = 0; i < newTokens; i++)
    {
        var stepStart = sw.Elapsed.TotalMilliseconds;
        using var scope = DisposeScope.Begin();
        var logits = model.Forward(next, cache: cache, lastPositionOnly: true);
        next.Dispose();
        next = scope.MoveToOuter(logits.Select(1, 0).ArgMax(-1, keepDim: true));
        steps.Add(sw.Elapsed.TotalMilliseconds - stepStart);
    }
    next.Dispose();
    if (Environment.GetEnvironmentVariable("LLMBENCH_STEPS") == "1") Console.Error.WriteLine("decode steps ms: " + string.Join(" ", steps.Select(s => s.ToString("F1"))));
    decode = Math.Min(decode, sw.Elapsed.TotalSeconds);
    decodeCpu = Math.Min(decodeCpu, (CpuNow() - cpu1).TotalSeconds);
}

long peakKb = 0;
foreach (var line in File.ReadLines("/proc/self/status"))
    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peakKb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["impl"] = "selfspec", ["dtype"] = mode, ["batch"] = batch, ["prompt"] = promptLength, ["new"] = newTokens,
    ["prefill_tok_s"] = batch * promptLength / prefill, ["decode_tok_s"] = batch * newTokens / decode,
    ["decode_ms_step"] = 1000 * decode / newTokens, ["peak_rss_mb"] = peakKb / 1024.0,
    ["prefill_cpu_ms_tok"] = 1000 * prefillCpu / (batch * promptLength), ["decode_cpu_ms_tok"] = 1000 * decodeCpu / (batch * newTokens),
}));
