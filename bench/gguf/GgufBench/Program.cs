// GGUF export and decode benchmark: our engine (f32, TextGenerator greedy with KV cache) vs llama.cpp (LLamaSharp 0.30.0,
// CPU backend) on the same random Llama exported as f32 GGUF; same prompt, same number of new tokens, same threads.
// Usage: GgufBench WORK THREADS PROMPT NEW REPS OUT.md
// Writes the markdown report to OUT.md. Repetitions alternate the engines so machine load hits both alike.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using SelfSpec.Gguf.Export;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;
using SelfSpec.Tokenizers;
using SelfSpec.Torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var work = args[0];
int threads = int.Parse(args[1]), promptLength = int.Parse(args[2]), newTokens = int.Parse(args[3]), reps = int.Parse(args[4]);
var output = args[5];
var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../.."));
Torch.Threads = threads;
NativeLibraryConfig.All.WithLogCallback((_, _) => { });

// A random Llama of 134M parameters (the size bench/llm uses) with the Llama-2 tokenizer of the fixtures.
var modelDir = Path.Combine(work, "model");
var config = new LlamaConfig
{
    ModelType = "llama", VocabSize = 32000, HiddenSize = 768, IntermediateSize = 2048, NumLayers = 12, NumHeads = 12, NumKeyValueHeads = 12,
    HeadDim = 64, RmsNormEps = 1e-5, MaxPositions = 2048, BosTokenId = 1, EosTokenIds = [2],
};
if (!File.Exists(Path.Combine(modelDir, "model.safetensors")))
{
    using var random = LlamaModel.CreateRandom(config, seed: 1);
    LlamaCheckpointWriter.Save(random, modelDir);
    foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" })
        File.Copy(Path.Combine(repo, "..", "shared", "fixtures", "tokenizers", "llama2", f), Path.Combine(modelDir, f), true);
}

// Export time and size per type.
var exports = new List<(string Type, double Seconds, long Bytes)>();
foreach (var type in new[] { GgufOutputType.F32, GgufOutputType.F16, GgufOutputType.BF16, GgufOutputType.Q8_0 })
{
    var path = Path.Combine(work, $"model-{type.ToString().ToLowerInvariant()}.gguf");
    var sw = Stopwatch.StartNew();
    var result = GgufExporter.Export(modelDir, path, new GgufExportOptions { Type = type });
    exports.Add((type.ToString().ToLowerInvariant(), sw.Elapsed.TotalSeconds, result.Bytes));
    Console.Error.WriteLine($"export {type}: {sw.Elapsed.TotalSeconds:F2} s, {result.Bytes / 1048576.0:F1} MiB");
}
var f32Gguf = Path.Combine(work, "model-f32.gguf");

var tokenizer = Tokenizer.FromDirectory(modelDir);
var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog while the model keeps decoding tokens. ", 20));
var prompt = tokenizer.Encode(text, addSpecialTokens: true).Take(promptLength).ToArray();
var process = Process.GetCurrentProcess();
TimeSpan Cpu() { process.Refresh(); return process.TotalProcessorTime; }

// Ours: greedy TextGenerator with KV cache; decode time = time(NEW tokens) − time(1 token), i.e. NEW−1 decode steps.
using var model = LlamaModel.Load(modelDir);
var generator = new TextGenerator(model);
var greedy = new GenerationOptions { MaxNewTokens = newTokens, EosTokenIds = [], Sampling = SamplingOptions.GreedyDecoding };
IReadOnlyList<int> oursTokens = [];
(double Seconds, double CpuSeconds) OursRun(int n)
{
    var c0 = Cpu();
    var sw = Stopwatch.StartNew();
    var r = generator.Generate([prompt], greedy with { MaxNewTokens = n });
    var elapsed = (sw.Elapsed.TotalSeconds, (Cpu() - c0).TotalSeconds);
    if (n == newTokens) oursTokens = r[0].TokenIds;
    return elapsed;
}
(double Decode, double DecodeCpu, double Prefill) Ours()
{
    var one = OursRun(1);
    var all = OursRun(newTokens);
    return ((newTokens - 1) / (all.Seconds - one.Seconds), (all.CpuSeconds - one.CpuSeconds) * 1000 / (newTokens - 1), prompt.Length / one.Seconds);
}

// llama.cpp: prefill the prompt in one batch, then NEW−1 single-token decode steps with greedy argmax.
var parameters = new ModelParams(f32Gguf) { ContextSize = 1024, GpuLayerCount = 0, Threads = threads, BatchThreads = threads, BatchSize = 512, UBatchSize = 512 };
using var weights = LLamaWeights.LoadFromFile(parameters);
var llamaTokens = new List<int>();
(double Decode, double DecodeCpu, double Prefill) LlamaCppRun(bool f32Cache)
{
    using var context = weights.CreateContext(f32Cache
        ? new ModelParams(f32Gguf) { ContextSize = 1024, GpuLayerCount = 0, Threads = threads, BatchThreads = threads, BatchSize = 512, UBatchSize = 512, TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32 }
        : parameters);
    var batch = new LLamaBatch();
    for (var i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
    var sw = Stopwatch.StartNew();
    Check(context.NativeHandle.Decode(batch));
    var prefill = sw.Elapsed.TotalSeconds;
    var token = ArgMax(context.NativeHandle.GetLogitsIth(batch.TokenCount - 1));
    var generated = new List<int> { token };
    var c0 = Cpu();
    sw.Restart();
    for (var step = 1; step < newTokens; step++)
    {
        batch.Clear();
        batch.Add(token, prompt.Length + step - 1, LLamaSeqId.Zero, true);
        Check(context.NativeHandle.Decode(batch));
        token = ArgMax(context.NativeHandle.GetLogitsIth(0));
        generated.Add(token);
    }
    var decode = sw.Elapsed.TotalSeconds;
    var cpu = (Cpu() - c0).TotalSeconds;
    if (!f32Cache) { llamaTokens.Clear(); llamaTokens.AddRange(generated); }
    return ((newTokens - 1) / decode, cpu * 1000 / (newTokens - 1), prompt.Length / prefill);
}

Ours();
LlamaCppRun(false);
var ours = new List<(double Decode, double DecodeCpu, double Prefill)>();
var theirs = new List<(double Decode, double DecodeCpu, double Prefill)>();
var theirsF32 = new List<(double Decode, double DecodeCpu, double Prefill)>();
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
for (var r = 0; r < reps; r++)
{
    ours.Add(Ours());
    theirs.Add(LlamaCppRun(false));
    theirsF32.Add(LlamaCppRun(true));
    Console.Error.WriteLine($"rep {r + 1}: ours {ours[^1].Decode:F1} tok/s, llama.cpp {theirs[^1].Decode:F1} tok/s (f32 KV {theirsF32[^1].Decode:F1})");
}
var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
var agree = oursTokens.Zip(llamaTokens).TakeWhile(p => p.First == p.Second).Count();

static double Median(IEnumerable<double> values) { var s = values.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
static int ArgMax(Span<float> logits) { var best = 0; for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i; return best; }
static void Check(DecodeResult r) { if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode: {r}"); }

var md = new StringBuilder();
md.AppendLine("# GGUF: export, and decode speed of our engine vs llama.cpp");
md.AppendLine();
md.AppendLine($"Random Llama, {model.ParameterCount / 1e6:F1}M parameters (hidden 768, 12 layers, 12 heads, intermediate 2048, vocab 32000, Llama-2 tokenizer), " +
    $"exported with `selfspec export gguf`'s library. Decode: prompt {prompt.Length} tokens, {newTokens} greedy tokens with KV cache at batch 1, " +
    $"{threads} threads for both, median of {reps} repetitions alternating the engines. Ours: `TextGenerator` greedy, f32 weights and compute, " +
    $"decode tok/s = {newTokens - 1} / (time({newTokens} tokens) − time(1 token)). llama.cpp: LLamaSharp 0.30.0 (CPU backend), the f32 GGUF, " +
    $"prompt in one `llama_decode`, then {newTokens - 1} single-token `llama_decode` calls with argmax. CPU ms/token: process CPU time over the decode steps " +
    "(all threads; less sensitive to other jobs on the machine than tok/s).");
md.AppendLine();
md.AppendLine($"Machine: {Environment.ProcessorCount} cores shared with other jobs; load average {string.Join(" ", loadBefore)} before and {string.Join(" ", loadAfter)} after the decode runs.");
md.AppendLine();
md.AppendLine("| engine | decode tok/s (median) | decode CPU ms/token (median) | prefill tok/s (median) | ours / it (tok/s) | it / ours (CPU ms) |");
md.AppendLine("|---|---|---|---|---|---|");
void Row(string name, List<(double Decode, double DecodeCpu, double Prefill)> runs)
{
    var decode = Median(runs.Select(r => r.Decode));
    var cpu = Median(runs.Select(r => r.DecodeCpu));
    var ourDecode = Median(ours.Select(r => r.Decode));
    var ourCpu = Median(ours.Select(r => r.DecodeCpu));
    md.AppendLine($"| {name} | {decode:F1} | {cpu:F1} | {Median(runs.Select(r => r.Prefill)):F0} | {ourDecode / decode:F2}× | {cpu / ourCpu:F2}× |");
}
Row("ours (SelfSpec.Llm, f32)", ours);
Row("llama.cpp, f32 GGUF, default f16 KV cache", theirs);
Row("llama.cpp, f32 GGUF, f32 KV cache", theirsF32);
md.AppendLine();
md.AppendLine($"Greedy tokens: the first {agree} of {newTokens} agree between the two engines (llama.cpp with its default f16 KV cache).");
md.AppendLine();
md.AppendLine("Per repetition (decode tok/s, ours / llama.cpp f16 KV / llama.cpp f32 KV): " +
    string.Join("; ", Enumerable.Range(0, reps).Select(i => $"{ours[i].Decode:F1} / {theirs[i].Decode:F1} / {theirsF32[i].Decode:F1}")) + ".");
md.AppendLine();
md.AppendLine("## Export time and file size per type");
md.AppendLine();
md.AppendLine("| type | export s | file MiB |");
md.AppendLine("|---|---|---|");
foreach (var (type, seconds, bytes) in exports) md.AppendLine($"| {type} | {seconds:F2} | {bytes / 1048576.0:F1} |");
File.WriteAllText(output, md.ToString());
Console.Write(md.ToString());
