using System.Diagnostics;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Pretraining;
using SelfSpec.Llm.Generation;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Bootstrap;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using System.Text.Json;

var mode = args[0];
// Prompts per instruction-generation batch in the full and probe modes.
var genBatch = int.Parse(Environment.GetEnvironmentVariable("GEN_BATCH") ?? "8");
if (mode == "throughput")
{
    // throughput hidden layers heads kv inter vocab batch seqlen threads steps
    int I(int i) => int.Parse(args[i]);
    Torch.Threads = I(9);
    var config = new LlamaConfig { VocabSize = I(6), HiddenSize = I(1), IntermediateSize = I(5), NumLayers = I(2), NumHeads = I(3), NumKeyValueHeads = I(4), HeadDim = I(1) / I(3), TieWordEmbeddings = true, MaxPositions = 1024, RmsNormEps = 1e-5 };
    using var model = LlamaModel.CreateRandom(config, 1);
    var rng = new Random(1);
    var docs = Enumerable.Range(0, 200).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 600).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToList();
    using var trainer = new CausalLmPretrainer(model, new PretrainingOptions { Steps = I(10), BatchSize = I(7), SequenceLength = I(8), WarmupSteps = 1 });
    var proc = Process.GetCurrentProcess();
    var cpu0 = TimeSpan.Zero; var wall = Stopwatch.StartNew(); TimeSpan wall0 = default;
    var r = trainer.Train(docs, new Inline<PretrainingProgress>(p => { if (p.Step == 2) { proc.Refresh(); cpu0 = proc.TotalProcessorTime; wall0 = wall.Elapsed; } }));
    proc.Refresh();
    var cpuPerStep = (proc.TotalProcessorTime - cpu0).TotalSeconds / (r.Steps - 2);
    var steady = r.Log.Skip(2).ToList();
    var tps = steady.Sum(e => e.Tokens) / steady.Sum(e => e.Seconds);
    Console.WriteLine($"params={model.ParameterCount} tokens/s={tps:F0} s/step={steady.Average(e => e.Seconds):F3} cpu-s/step={cpuPerStep:F3} cpu-tokens/s={I(7) * I(8) / cpuPerStep:F0} loss {r.Log[0].Loss:F3}->{r.FinalLoss:F3}");
}

if (mode == "full")
{
    // full <repo> <outdir> <threads> <prompts> <maxNewTokens> [key=value settings...]
    var repo = args[1]; var outDir = args[2]; var threads = int.Parse(args[3]); var prompts = int.Parse(args[4]); var maxNew = int.Parse(args[5]);
    Torch.Threads = threads;
    var settings = new BootstrapSettings();
    foreach (var kv in args.Skip(6))
    {
        var (k, v) = (kv.Split('=')[0], kv.Split('=')[1]);
        settings = k switch
        {
            "steps" => settings with { TrainingSteps = int.Parse(v) },
            "hidden" => settings with { HiddenSize = int.Parse(v) },
            "layers" => settings with { Layers = int.Parse(v) },
            "heads" => settings with { Heads = int.Parse(v), KeyValueHeads = int.Parse(v) },
            "kvheads" => settings with { KeyValueHeads = int.Parse(v) },
            "vocab" => settings with { VocabSize = int.Parse(v) },
            "batch" => settings with { BatchSize = int.Parse(v) },
            "seq" => settings with { SequenceLength = int.Parse(v) },
            "lr" => settings with { LearningRate = double.Parse(v) },
            "igprompts" => settings with { Corpus = settings.Corpus with { InstructionPrompts = int.Parse(v) } },
            "seed" => settings with { RandomSeed = int.Parse(v) },
            "abstractcopies" => settings with { Corpus = settings.Corpus with { AbstractCopies = int.Parse(v) } },
            "mask" => settings with { TrainOnCompletionsOnly = v == "1" },
            "maskall" => settings with { CompletionOnlyKinds = v == "1" ? Enum.GetValues<BootstrapDocumentKind>().ToHashSet() : new HashSet<BootstrapDocumentKind> { BootstrapDocumentKind.InstructionGeneration } },
            "labels" => settings with { ItemLabelTokens = v == "1" },
            "warmup" => settings with { WarmupSteps = int.Parse(v) },
            "items" => settings with { Corpus = settings.Corpus with { MinCompletionItems = int.Parse(v.Split('-')[0]), MaxCompletionItems = int.Parse(v.Split('-')[1]) } },
            _ => throw new ArgumentException(k),
        };
    }
    var seeds = SeedReader.Read(Path.Combine(repo, "data/seeds/biomedical_seeds.jsonl"));
    var abstracts = File.ReadLines(Path.Combine(repo, "data/corpus/demo_abstracts.jsonl")).Where(l => l.Trim().Length > 0).Select(l =>
    {
        using var d = JsonDocument.Parse(l);
        var r = d.RootElement;
        return new DocumentRow(r.GetProperty("pmid").ToString(), r.GetProperty("title").GetString() ?? "", r.GetProperty("abstract").GetString() ?? "");
    }).ToList();
    var proc = Process.GetCurrentProcess();
    var cpuStart = proc.TotalProcessorTime;
    var total = Stopwatch.StartNew();
    long lastStep = 0;
    var result = BaseModelBootstrapper.Run(seeds, abstracts, settings, outDir, new Inline<BootstrapProgress>(p =>
    {
        if (p.Stage == "training" && (p.Done % 50 == 0 || p.Done == p.Total) && p.Done != lastStep) { lastStep = p.Done; Console.Error.WriteLine($"  step {p.Done}/{p.Total} {p.Message} [{total.Elapsed.TotalSeconds:F0}s]"); }
        else if (p.Stage != "training") Console.Error.WriteLine($"  {p.Stage}: {p.Message} [{total.Elapsed.TotalSeconds:F1}s]");
    }));
    proc.Refresh();
    var bootstrapWall = total.Elapsed.TotalSeconds;
    var bootstrapCpu = (proc.TotalProcessorTime - cpuStart).TotalSeconds;
    var trainWall = result.Training.Elapsed.TotalSeconds;
    Console.WriteLine($"params={result.ParameterCount} docs={string.Join(",", result.Documents.Select(kv => $"{kv.Key}:{kv.Value}"))} corpus_tokens={result.CorpusTokens}");
    Console.WriteLine($"bootstrap wall={bootstrapWall:F1}s cpu={bootstrapCpu:F1}s train wall={trainWall:F1}s steps={result.Training.Steps} loss first={result.Training.Log[0].Loss:F3} final={result.Training.FinalLoss:F3} mean_last20={result.Training.Log.TakeLast(20).Average(e => e.Loss):F3}");

    // The instruction-generation stage as GenerateInstructions runs it: Table 3 prompts, T=1.0, top-p 0.98.
    using var model = LlamaModel.Load(outDir);
    var tokenizer = HuggingFaceTokenizer.TryLoad(outDir)!;
    {
        var sampler = new SeedSampler(seeds, 42);
        var pr = new InstructionGenerationPrompt("biomedical");
        var lens = Enumerable.Range(0, 50).Select(i => tokenizer.Encode(pr.Build(sampler.ForPrompt(i))).Count).ToList();
        Console.WriteLine($"table3 prompt tokens: mean {lens.Average():F0} max {lens.Max()} header {tokenizer.Encode(pr.Header).Count}");
    }
    var ig = new InstructionGenerationOptions { TargetCount = 100000, MaxPrompts = prompts, BatchSize = genBatch, ItemNumbering = ItemNumbering.Any, Sampling = new SamplingSettings { MaxNewTokens = maxNew } };
    var genWatch = Stopwatch.StartNew();
    var loop = new InstructionGenerationLoop(new LlmTextGenerator(model, tokenizer, batchSize: genBatch), new RougeLSimilarityIndex(), ig);
    var gen = await loop.RunAsync(seeds);
    var withItem = gen.Raw.Count(r => r.ParsedInstructions.Count > 0);
    var items = gen.Raw.Sum(r => r.ParsedInstructions.Count);
    var reasons = gen.Rejected.GroupBy(r => r.Reason).Select(g => $"{g.Key}:{g.Count()}");
    Console.WriteLine($"generation prompts={gen.Raw.Count} wall={genWatch.Elapsed.TotalSeconds:F1}s truncated={gen.Raw.Count(r => r.Truncated)} prompts_with_items={withItem} ({100.0 * withItem / gen.Raw.Count:F0}%) items={items} kept={gen.Kept.Count} ({(items == 0 ? 0 : 100.0 * gen.Kept.Count / items):F0}%) rejected: {string.Join(" ", reasons)}");
    Console.WriteLine("RESULT " + JsonSerializer.Serialize(new
    {
        parameters = result.ParameterCount, corpus_tokens = result.CorpusTokens, documents = result.Documents.Values.Sum(),
        steps = result.Training.Steps, tokens = result.Training.Log.Sum(e => e.Tokens), train_wall_s = trainWall, bootstrap_wall_s = bootstrapWall, bootstrap_cpu_s = bootstrapCpu,
        loss_first = result.Training.Log[0].Loss, loss_last20 = result.Training.Log.TakeLast(20).Average(e => e.Loss),
        prompts = gen.Raw.Count, prompts_with_items = withItem, items, kept = gen.Kept.Count, truncated = gen.Raw.Count(r => r.Truncated), generation_wall_s = genWatch.Elapsed.TotalSeconds,
        rejected = gen.Rejected.GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count()),
        examples = gen.Kept.Take(5).Select(k => k.Instruction).ToArray(),
    }));
    foreach (var k in gen.Kept.Take(6)) Console.WriteLine($"  KEPT ({k.MaxSimilarity:F2}) {k.Instruction} || {k.Input[..Math.Min(80, k.Input.Length)].Replace('\n', ' ')}");
    foreach (var r in gen.Raw.Take(2)) Console.WriteLine($"  RAW: {r.Completion[..Math.Min(600, r.Completion.Length)]}\n  ERR: {string.Join(" | ", r.ParseErrors)}");
}

if (mode == "probe")
{
    // probe <repo> <modelDir> <threads> <prompts> <maxNewTokens> <temperature> <topP>: the instruction-generation stage on a saved model
    var repo = args[1]; var dir = args[2]; Torch.Threads = int.Parse(args[3]);
    var prompts = int.Parse(args[4]); var maxNew = int.Parse(args[5]); var temperature = double.Parse(args[6]); var topP = double.Parse(args[7]);
    var seeds = SeedReader.Read(Path.Combine(repo, "data/seeds/biomedical_seeds.jsonl"));
    using var model = LlamaModel.Load(dir);
    var tokenizer = HuggingFaceTokenizer.TryLoad(dir)!;
    var ig = new InstructionGenerationOptions { TargetCount = 100000, MaxPrompts = prompts, BatchSize = genBatch, ItemNumbering = ItemNumbering.Any, Sampling = new SamplingSettings { MaxNewTokens = maxNew, Temperature = temperature, TopP = topP } };
    var watch = Stopwatch.StartNew();
    var gen = await new InstructionGenerationLoop(new LlmTextGenerator(model, tokenizer, batchSize: genBatch), new RougeLSimilarityIndex(), ig).RunAsync(seeds);
    var withItem = gen.Raw.Count(r => r.ParsedInstructions.Count > 0);
    var items = gen.Raw.Sum(r => r.ParsedInstructions.Count);
    foreach (var r in gen.Raw.Take(int.Parse(Environment.GetEnvironmentVariable("RAWS") ?? "0"))) Console.WriteLine($"  RAW ({r.Truncated}): {r.Completion[..Math.Min(900, r.Completion.Length)]}\n  ERR: {string.Join(" | ", r.ParseErrors)}");
    Console.WriteLine($"PROBE T={temperature} top-p={topP} prompts={gen.Raw.Count} wall={watch.Elapsed.TotalSeconds:F0}s truncated={gen.Raw.Count(r => r.Truncated)} with_items={withItem} ({100.0 * withItem / gen.Raw.Count:F0}%) items={items} kept={gen.Kept.Count} rejected: {string.Join(" ", gen.Rejected.GroupBy(r => r.Reason).Select(g => $"{g.Key}:{g.Count()}"))}");
}

if (mode == "decodeprofile")
{
    // decodeprofile <modelDir> <threads> <batch> <context...>: mean decode-step time at each prefilled context length
    var dir = args[1]; Torch.Threads = int.Parse(args[2]); var b = int.Parse(args[3]);
    using var model = LlamaModel.Load(dir);
    using var ng = new NoGrad();
    foreach (var ctx in args.Skip(4).Select(int.Parse))
    {
        using var cache = model.CreateCache(b, ctx + 80 + int.Parse(Environment.GetEnvironmentVariable("STEPS") ?? "64"));
        using (var s0 = DisposeScope.Begin()) model.Forward(Tensor.RandInt(3, 1000, [b, ctx]), cache: cache, lastPositionOnly: true);
        var sw = Stopwatch.StartNew();
        var steps = int.Parse(Environment.GetEnvironmentVariable("STEPS") ?? "64");
        for (var i = 0; i < steps; i++)
            using (var s1 = DisposeScope.Begin()) model.Forward(Tensor.RandInt(3, 1000, [b, 1]), cache: cache, lastPositionOnly: true);
        Console.WriteLine($"DECODE batch={b} ctx={ctx}: {sw.Elapsed.TotalMilliseconds / steps:F2} ms/step");
    }
}

if (mode == "promptlen")
{
    // promptlen <repo> <modelDir>: tokens of the Table 3 header and of whole prompts
    var seeds = SeedReader.Read(Path.Combine(args[1], "data/seeds/biomedical_seeds.jsonl"));
    var tokenizer = HuggingFaceTokenizer.TryLoad(args[2])!;
    var prompt = new InstructionGenerationPrompt("biomedical");
    var sampler = new SeedSampler(seeds, 42);
    var lengths = Enumerable.Range(0, 200).Select(i => tokenizer.Encode(prompt.Build(sampler.ForPrompt(i))).Count).ToArray();
    var header = prompt.Build(sampler.ForPrompt(0));
    header = header[..(header.IndexOf("###", StringComparison.Ordinal))];
    Console.WriteLine($"header {tokenizer.Encode(header).Count} tokens; prompts mean {lengths.Average():F0} min {lengths.Min()} max {lengths.Max()}");
}

if (mode == "attnbench")
{
    // attnbench <threads> <batch> <heads> <kvheads> <dim> <ctx> <reps>: the fused decode attention alone
    int I(int i) => int.Parse(args[i]);
    Torch.Threads = I(1);
    using var ng = new NoGrad();
    using var q = Tensor.Randn([I(2), I(3), I(5)]);
    using var k = Tensor.Randn([I(2), I(4), I(6), I(5)]);
    using var v = Tensor.Randn([I(2), I(4), I(6), I(5)]);
    for (var rep = 0; rep < 3; rep++)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < I(7); i++) Functional.DecodeAttention(q, k, v, null, 0.125).Dispose();
        Console.WriteLine($"ATTN {sw.Elapsed.TotalMilliseconds * 1000 / I(7):F1} us/call");
    }
}

if (mode == "greedy")
{
    var repo = args[1]; var dir = args[2]; Torch.Threads = 2;
    var seeds = SeedReader.Read(Path.Combine(repo, "data/seeds/biomedical_seeds.jsonl"));
    using var model = LlamaModel.Load(dir);
    var tokenizer = HuggingFaceTokenizer.TryLoad(dir)!;
    var prompt = new InstructionGenerationPrompt("biomedical").Build(new SeedSampler(seeds, 42).ForPrompt(int.Parse(args[3])));
    var r = new TextGenerator(model, tokenizer).Generate(prompt, new GenerationOptions { MaxNewTokens = 250 });
    Console.WriteLine("GREEDY: " + r.Text);
}

sealed class Inline<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
