using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Llm.Serving;
using SelfSpec.Serving;
using SelfSpec.Torch;

// bench/serving: generated tokens per second through `selfspec serve` (the in-process server on a loopback port, real
// HTTP) with 1, 8 and 32 concurrent clients, against generating the same requests one after another in process; and
// 8 concurrent requests over 4 adapters against the same 8 on the base model.
// Usage: DIR RESULTS.md [small|134m] [requests] [max_tokens]
//   small  31.8M parameters (hidden 512, 8 layers, vocabulary 8,000): on 2 cores a decode step of 8 rows is already
//          mostly arithmetic, so batching gains little per step.
//   134m   134M parameters (hidden 768, 12 layers, vocabulary 32,000; the shape of bench/gguf): a batch-1 step streams
//          536 MB of weights, so decoding is bound by memory bandwidth as it is for the 7B–30B models served in practice.
var work = args[0];
var results = args[1];
var shape = args.Length > 2 ? args[2] : "small";
var requestCount = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 32;
var maxTokens = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 48;
var inv = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = inv;

var (config, shapeText) = shape switch
{
    "small" => (new LlamaConfig
    {
        VocabSize = 8000, HiddenSize = 512, IntermediateSize = 1408, NumLayers = 8, NumHeads = 8, NumKeyValueHeads = 4, HeadDim = 64,
        MaxPositions = 1024, EosTokenIds = [2], BosTokenId = 1,
    }, "hidden 512, 8 layers, 8 heads / 4 KV heads, vocabulary 8,000"),
    "134m" => (new LlamaConfig
    {
        VocabSize = 32000, HiddenSize = 768, IntermediateSize = 2048, NumLayers = 12, NumHeads = 12, NumKeyValueHeads = 12, HeadDim = 64,
        MaxPositions = 1024, EosTokenIds = [2], BosTokenId = 1,
    }, "hidden 768, 12 layers, 12 heads, vocabulary 32,000"),
    _ => throw new ArgumentException($"model shape '{shape}': expected small or 134m"),
};
var modelDir = Path.Combine(work, "model");
long parameters;
using (var random = LlamaModel.CreateRandom(config, seed: 11))
{
    parameters = random.ParameterCount;
    LlamaCheckpointWriter.Save(random, modelDir);
}
var adapterDirs = Enumerable.Range(0, 4).Select(i =>
{
    var dir = Path.Combine(work, $"adapter-{i}");
    using var adapter = LoraAdapter.CreateTrainable(config, new LoraConfig { Rank = 8, Alpha = 16 }, (ulong)(50 + i));
    using (new NoGrad())
    using (var g = new Generator((ulong)(500 + i)))
        foreach (var pair in adapter.Pairs.Values) pair.B.NormalInPlace(0, 0.02, g);
    adapter.Save(dir);
    return dir;
}).ToArray();

var rng = new Random(3);
var prompts = Enumerable.Range(0, requestCount).Select(_ => new[] { 1 }.Concat(Enumerable.Range(0, rng.Next(16, 64)).Select(_ => rng.Next(3, config.VocabSize))).ToArray()).ToArray();

// Reference: the same requests one after another, in process, batch 1 (TextGenerator). It runs once per round, right
// before that round's server runs, so each ratio compares runs seconds apart: on a machine others share, the load
// drifts over the minutes a whole bench takes.
using var referenceModel = LlamaModel.Load(modelDir);
var generator = new TextGenerator(referenceModel);
var generation = new GenerationOptions { MaxNewTokens = maxTokens, EosTokenIds = [] };
generator.Generate([prompts[0]], generation with { MaxNewTokens = 4 }); // warm-up
double Sequential()
{
    var sw = Stopwatch.StartNew();
    foreach (var p in prompts) generator.Generate([p], generation);
    return sw.Elapsed.TotalSeconds;
}
var totalTokens = (double)requestCount * maxTokens;

var options = new ServeOptions
{
    ModelDirectory = modelDir, ServedModelName = "bench", Port = 0, MaxNumSeqs = 64,
    LoraModules = adapterDirs.Select((d, i) => (d, i)).ToDictionary(x => $"lora{x.i}", x => x.d),
};
using var models = ServedModels.Load(options);
await using var app = OpenAiServer.Create(options, models);
await app.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(30) };

async Task<int> Complete(int[] prompt, string model)
{
    var body = new JsonObject
    {
        ["model"] = model, ["prompt"] = new JsonArray(prompt.Select(t => (JsonNode)t).ToArray()), ["max_tokens"] = maxTokens, ["temperature"] = 0, ["ignore_eos"] = true,
    };
    using var response = await http.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException(json.ToJsonString());
    return json["usage"]!["completion_tokens"]!.GetValue<int>();
}

async Task<double> Clients(int clients, Func<int, string> modelOf, int[][] requests)
{
    var sw = Stopwatch.StartNew();
    var generated = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var n = 0;
        for (var i = c; i < requests.Length; i += clients) n += await Complete(requests[i], modelOf(i));
        return n;
    }));
    if (generated.Sum() != requests.Length * maxTokens) throw new InvalidOperationException("a request stopped early");
    return sw.Elapsed.TotalSeconds;
}

await Complete(prompts[0], "bench"); // warm-up
const int rounds = 7;
int[] clientCounts = [8, 32, 1];
var sequentialRuns = new List<double>();
var runs = clientCounts.ToDictionary(c => c, _ => new List<double>());
var engineTotals = clientCounts.ToDictionary(c => c, _ => EngineSnapshot.Zero);
// One round first that is not counted: the JIT's second tier and the first cache and buffer allocations land in it
// (its 8-client run took ~1.5× the later ones), for the reference and the server alike.
Sequential();
foreach (var clients in clientCounts) await Clients(clients, _ => "bench", prompts);
for (var round = 0; round < rounds; round++)
{
    sequentialRuns.Add(Sequential());
    foreach (var clients in clientCounts)
    {
        var before = EngineSnapshot.Of(models.Engine.Metrics);
        runs[clients].Add(await Clients(clients, _ => "bench", prompts));
        engineTotals[clients] = engineTotals[clients].Plus(EngineSnapshot.Of(models.Engine.Metrics).Minus(before));
    }
    Console.WriteLine($"round {round}: sequential {sequentialRuns[^1]:F2} s; " + string.Join(", ", clientCounts.Select(c => $"{c} clients {runs[c][^1]:F2} s ({sequentialRuns[^1] / runs[c][^1]:F2}x)")));
}
var sequentialSeconds = MedianOf(sequentialRuns);
var rows = clientCounts.Order().Select(c => (Clients: c, Seconds: MedianOf(runs[c]), Ratio: MedianOf(runs[c].Zip(sequentialRuns, (t, q) => q / t).ToList()))).ToList();
var breakdowns = clientCounts.Order().ToDictionary(c => c, c => engineTotals[c].Describe(runs: rounds));

// Multi-LoRA: 8 concurrent requests, two on each of 4 adapters (one batch), against the same 8 on the base model (and
// all 8 on one adapter). Each round runs the three one after another, in an order that rotates from round to round, and
// the ratio is the median of each round's own ratio: runs seconds apart, as for the clients above. (Three separate
// series, one after the other, once put a minute of load drift between the base's runs and the adapters'.)
var eight = prompts.Take(8).ToArray();
const int adapterRounds = 9;
(string Name, Func<int, string> ModelOf)[] adapterSetups = [("base", _ => "bench"), ("one adapter", _ => "lora0"), ("4 adapters", i => $"lora{i % 4}")];
var adapterRuns = adapterSetups.ToDictionary(a => a.Name, _ => new List<double>());
var adapterEngines = adapterSetups.ToDictionary(a => a.Name, _ => EngineSnapshot.Zero);
foreach (var (_, modelOf) in adapterSetups) await Clients(8, modelOf, eight); // warm-up: each adapter's first batch
for (var round = 0; round < adapterRounds; round++)
    for (var k = 0; k < adapterSetups.Length; k++)
    {
        var (name, modelOf) = adapterSetups[(round + k) % adapterSetups.Length];
        var before = EngineSnapshot.Of(models.Engine.Metrics);
        adapterRuns[name].Add(await Clients(8, modelOf, eight));
        adapterEngines[name] = adapterEngines[name].Plus(EngineSnapshot.Of(models.Engine.Metrics).Minus(before));
    }
double AdapterRatio(string name) => MedianOf(adapterRuns[name].Zip(adapterRuns["base"], (t, b) => t / b).ToList());
var (baseOnly, oneAdapter, mixed) = (MedianOf(adapterRuns["base"]), MedianOf(adapterRuns["one adapter"]), MedianOf(adapterRuns["4 adapters"]));
var (oneRatio, mixedRatio) = (AdapterRatio("one adapter"), AdapterRatio("4 adapters"));
Console.WriteLine($"8 requests: base {baseOnly:F2} s, one adapter {oneAdapter:F2} s ({oneRatio:F2}x), 4 adapters {mixed:F2} s ({mixedRatio:F2}x)");
foreach (var (name, _) in adapterSetups) Console.WriteLine($"  {name}: {adapterEngines[name].Describe(adapterRounds)}");

var sequentialRate = totalTokens / sequentialSeconds;
var md = new StringBuilder();
md.AppendLine($"## {parameters / 1e6:F1}M-parameter model (`{shape}`)");
md.AppendLine();
md.AppendLine($"Generated by `bench/serving/run.sh` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC ({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}, "
    + $"kernel ISA {Functional.KernelIsa}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end). A random Llama of {parameters / 1e6:F1}M parameters ({shapeText}), "
    + $"float32 on the CPU, `MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "unset"}` (as `selfspec serve` runs; the reference shares the process). {requestCount} requests of 17–64 prompt tokens, {maxTokens} generated tokens each (greedy, `ignore_eos`). "
    + "The server is the in-process host on a loopback port (real HTTP, JSON); each client sends its share of the requests one after another. "
    + $"{rounds} rounds after one uncounted warm-up round, each the sequential reference then the server at 8, 32 and 1 clients: wall times are medians over the rounds, "
    + "ratios the median of each round's ratio to its own reference (runs seconds apart, so slow load drift on a shared machine cancels). "
    + $"Adapters: {adapterRounds} rounds, each the three setups in turn (the order rotating), wall times the medians and ratios the median of each round's ratio to its base run.");
md.AppendLine();
md.AppendLine("| run | wall time | generated tokens/s | vs sequential in-process |");
md.AppendLine("|---|---:|---:|---:|");
md.AppendLine($"| sequential in-process `TextGenerator`, batch 1 (reference) | {sequentialSeconds:F2} s | {sequentialRate:F1} | 1.00× |");
foreach (var (clients, seconds, ratio) in rows)
    md.AppendLine($"| server, {clients} concurrent client{(clients == 1 ? "" : "s")} | {seconds:F2} s | {totalTokens / seconds:F1} | {ratio:F2}× |");
md.AppendLine();
var at8 = rows.Single(r => r.Clients == 8).Ratio;
md.AppendLine($"Goal ≥ 4× at 8 clients: **{(at8 >= 4 ? "met" : "not met")}** ({at8:F2}×; the rounds: "
    + string.Join(", ", runs[8].Zip(sequentialRuns, (t, q) => $"{q / t:F2}×")) + ").");
md.AppendLine();
md.AppendLine($"Where the decode thread's time goes, per run (mean of the {rounds}; from `ServingMetrics`, i.e. `/metrics`' `selfspec:engine_seconds_total`):");
md.AppendLine();
foreach (var (clients, text) in breakdowns) md.AppendLine($"- {clients} client{(clients == 1 ? "" : "s")}: {text}");
md.AppendLine();
md.AppendLine("| 8 concurrent requests | wall time | vs base |");
md.AppendLine("|---|---:|---:|");
md.AppendLine($"| all on the base model (reference) | {baseOnly:F2} s | 1.00× |");
md.AppendLine($"| all on one adapter (rank 8, all projections) | {oneAdapter:F2} s | {oneRatio:F2}× |");
md.AppendLine($"| two on each of 4 adapters, one batch | {mixed:F2} s | {mixedRatio:F2}× |");
md.AppendLine();
md.AppendLine($"Goal ≤ 1.3× for 4 adapters in one batch: **{(mixedRatio <= 1.3 ? "met" : "not met")}** ({mixedRatio:F2}×; the rounds: "
    + string.Join(", ", adapterRuns["4 adapters"].Zip(adapterRuns["base"], (t, b) => $"{t / b:F2}×")) + ").");
md.AppendLine();
md.AppendLine($"Where the decode thread's time goes in these runs (mean of the {adapterRounds}):");
md.AppendLine();
foreach (var (name, _) in adapterSetups) md.AppendLine($"- {name}: {adapterEngines[name].Describe(adapterRounds)}");
await File.AppendAllTextAsync(results, md.ToString());
await app.StopAsync();
return 0;

static double MedianOf(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

/// <summary>The engine's counters at one moment, to report what a run did (the difference of two).</summary>
internal sealed record EngineSnapshot(double[] Seconds, long Prefills, long PrefillRows, long Steps, long RowSteps, long Composes, long RowChanges)
{
    public static readonly EngineSnapshot Zero = new(new double[Enum.GetValues<EnginePhase>().Length], 0, 0, 0, 0, 0, 0);

    public EngineSnapshot Plus(EngineSnapshot o) => new(Seconds.Zip(o.Seconds, (a, b) => a + b).ToArray(),
        Prefills + o.Prefills, PrefillRows + o.PrefillRows, Steps + o.Steps, RowSteps + o.RowSteps, Composes + o.Composes, RowChanges + o.RowChanges);

    public static EngineSnapshot Of(ServingMetrics m) => new(
        Enum.GetValues<EnginePhase>().Select(m.EngineSeconds).ToArray(), m.Prefills, m.PrefillRows, m.Steps, m.RowSteps, m.Composes, m.InPlaceRowChanges);

    public EngineSnapshot Minus(EngineSnapshot o) => new(Seconds.Zip(o.Seconds, (a, b) => a - b).ToArray(),
        Prefills - o.Prefills, PrefillRows - o.PrefillRows, Steps - o.Steps, RowSteps - o.RowSteps, Composes - o.Composes, RowChanges - o.RowChanges);

    public string Describe(int runs)
    {
        double S(EnginePhase p) => Seconds[(int)p] / runs;
        return $"prefill {S(EnginePhase.Prefill):F3} s ({(double)Prefills / runs:F1} passes, {(double)PrefillRows / Math.Max(1, Prefills):F1} prompts each), "
            + $"decode {S(EnginePhase.Decode):F3} s ({(double)Steps / runs:F1} steps, {(double)RowSteps / Math.Max(1, Steps):F2} rows each, "
            + $"{1000 * Seconds[(int)EnginePhase.Decode] / Math.Max(1, Steps):F2} ms each), "
            + $"sampling {S(EnginePhase.Sample):F3} s, cache changes {S(EnginePhase.Compose):F3} s ({(double)Composes / runs:F1} rebuilds, {(double)RowChanges / runs:F1} rows in place), idle {S(EnginePhase.Idle):F3} s";
    }
}
