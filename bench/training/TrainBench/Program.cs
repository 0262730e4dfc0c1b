// Times LoRA training steps of SelfSpec.Training on a model directory (dense or NF4 base), the same way
// reference.py times PyTorch: one untimed warm-up step, then STEPS timed steps of one batch; peak RSS of the
// training phase (the high-water mark is reset after loading and quantising).
//   TrainBench MODEL_DIR SEQ BATCH STEPS THREADS {dense|nf4} OUT_JSON
using System.Text.Json;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training;
using SelfSpec.Training.Data;
using SelfSpec.Training.Quantization;

var (dir, seq, batch, steps, threads, mode, outJson) = (args[0], int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), args[5], args[6]);
Torch.Threads = threads;
using var model = LlamaModel.Load(dir);
Console.Error.WriteLine($"RSS after load: {Rss("VmRSS"):F0} MiB");
QuantizationReport? report = mode == "nf4" ? QLoraQuantizer.Quantize(model, doubleQuantize: false) : null;
// Quantisation went through managed arrays: hand that memory back to the OS before measuring.
GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
Console.Error.WriteLine($"RSS before training: {Rss("VmRSS"):F0} MiB");
using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 8, Alpha = 16 }, 0);

var rng = new Random(1);
var rows = Enumerable.Range(0, batch).Select(_ =>
{
    var ids = Enumerable.Range(0, seq).Select(_ => rng.Next(3, model.Config.VocabSize)).ToArray();
    return new TrainingExample(ids, ids.Select((x, i) => i < seq / 4 ? TrainingExample.IgnoreIndex : x).ToArray());
}).ToList();

File.WriteAllText("/proc/self/clear_refs", "5");
var outDir = Path.Combine(Path.GetTempPath(), "trainbench-" + Guid.NewGuid().ToString("N")[..8]);
var times = new List<double>();
var trainer = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = batch, Epochs = steps + 1, Shuffle = false, KeepCheckpoints = 1 });
var result = trainer.Train(rows, null, outDir, new Timer(times, batch * seq));
Directory.Delete(outDir, true);
times.RemoveAt(0);
var json = JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["engine"] = "selfspec",
    ["mode"] = mode,
    ["tokens_per_second"] = batch * seq * times.Count / times.Sum(),
    ["peak_rss_mib"] = Rss("VmHWM"),
    ["step_seconds"] = times,
    ["loss"] = result.FinalLoss,
    ["base_projection_mib_dense"] = report?.DenseBytes / 1048576.0 ?? 0,
    ["base_projection_mib_nf4"] = report?.QuantizedBytes / 1048576.0 ?? 0,
});
File.WriteAllText(outJson, json);
Console.WriteLine(json);

static double Rss(string field) =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;

// The trainer times each optimiser step (forward, backward, AdamW) without the checkpoint saves between epochs.
sealed class Timer(List<double> times, int tokens) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        if (value.TokensPerSecond > 0) times.Add(tokens / value.TokensPerSecond);
    }
}
