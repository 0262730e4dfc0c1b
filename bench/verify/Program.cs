// Verification cost against recompute cost.
//   run <home>                 the latest run in <home>/.selfspec/workflows.db: verifying its artifacts vs the time its stages took
//   model <folder> <MiB> <md>  a generated model folder (safetensors-sized shards + JSON): write, copy, record, verify
// Each timing is the median of 3; the page cache is warm after the first read (the note in bench/results/verify.md says what that means).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var output = new StringBuilder();
switch (args)
{
    case ["run", var home, var md]: Run(home); File.AppendAllText(md, output.ToString()); break;
    case ["model", var folder, var mib, var md]: Model(folder, int.Parse(mib)); File.AppendAllText(md, output.ToString()); break;
    default: Console.Error.WriteLine("usage: run <home> <results.md> | model <folder> <MiB> <results.md>"); return 2;
}
Console.Write(output);
return 0;

void Line(string s) => output.AppendLine(s);

static double Median(Func<double> measure)
{
    var runs = Enumerable.Range(0, 3).Select(_ => measure()).Order().ToList();
    return runs[1];
}

static double Seconds(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalSeconds;
}

void Run(string home)
{
    using var store = WorkflowStore.Open(Path.Combine(home, ".selfspec", "workflows.db"));
    var instance = store.ListInstances(1).Single();
    var records = store.GetRecords(instance.Id).Where(r => r.Status == ActivityStatus.Completed && r.ReusedFromId is null).ToList();
    var artifacts = records.SelectMany(r => ArtifactProducer.Artifacts(r.ArtifactsJson).Select(a => (r, a))).ToList();
    var bytes = artifacts.Sum(x => x.a.Size);
    var recompute = records.Sum(r => (r.CompletedAt!.Value - r.StartedAt).TotalSeconds);
    var all = artifacts.Select(x => x.a).ToList();
    if (ArtifactVerifier.Verify(all).Any(c => !c.IsIntact)) throw new InvalidOperationException("the run's artifacts are damaged");
    var verify = Median(() => Seconds(() => ArtifactVerifier.Verify(all)));
    var oldFormat = all.Select(a => a with { Digest = null }).ToList();
    var verifySha = Median(() => Seconds(() => ArtifactVerifier.Verify(oldFormat)));
    Line($"### Main job run {instance.Id} ({Environment.ProcessorCount} cores)");
    Line("");
    Line($"{artifacts.Count} artifacts, {bytes / 1048576.0:F1} MiB, written by {records.Count} activity executions that took {recompute:F1} s in all.");
    Line("");
    Line("| Check | Time (s) | Share of recompute time |");
    Line("|---|---:|---:|");
    Line($"| verify all artifacts (chunk digests) | {verify:F3} | {verify / recompute:P3} |");
    Line($"| verify all artifacts (SHA-256, records of the previous release) | {verifySha:F3} | {verifySha / recompute:P3} |");
    Line("");
    Line("| Activity | Recompute (s) | Artifacts (MiB) | Verify (s) | Share |");
    Line("|---|---:|---:|---:|---:|");
    foreach (var r in records.OrderBy(r => r.StartedAt))
    {
        var own = ArtifactProducer.Artifacts(r.ArtifactsJson);
        if (own.Count == 0) continue;
        var t = Median(() => Seconds(() => ArtifactVerifier.Verify(own)));
        var took = (r.CompletedAt!.Value - r.StartedAt).TotalSeconds;
        Line($"| {r.ActivityId} | {took:F2} | {own.Sum(a => a.Size) / 1048576.0:F2} | {t:F4} | {t / took:P3} |");
    }
    Line("");
}

void Model(string folder, int mib)
{
    Directory.CreateDirectory(folder);
    var shards = Math.Max(1, mib / 512);
    var shardBytes = (long)mib * 1048576 / shards;
    var files = Enumerable.Range(1, shards).Select(i => Path.Combine(folder, $"model-{i:00000}-of-{shards:00000}.safetensors"))
        .Append(Path.Combine(folder, "config.json")).Append(Path.Combine(folder, "tokenizer.json")).ToList();
    var buffer = new byte[8 << 20];
    new Random(1).NextBytes(buffer);
    double Write()
    {
        return Seconds(() =>
        {
            foreach (var f in files.Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal)))
            {
                using var s = new FileStream(f, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
                for (long done = 0; done < shardBytes; done += buffer.Length) s.Write(buffer, 0, (int)Math.Min(buffer.Length, shardBytes - done));
                s.Flush(flushToDisk: true);
            }
            File.WriteAllText(files[^2], "{\"model_type\": \"llama\"}\n");
            File.WriteAllText(files[^1], new string('x', 2 << 20));
        });
    }
    var write = Median(Write);
    var copyTo = folder.TrimEnd('/') + "-copy";
    var copy = Median(() => Seconds(() =>
    {
        Directory.CreateDirectory(copyTo);
        foreach (var f in files) File.Copy(f, Path.Combine(copyTo, Path.GetFileName(f)), overwrite: true);
    }));
    Directory.Delete(copyTo, recursive: true);
    List<ArtifactRef> recorded = [];
    var record = Median(() => Seconds(() => recorded = files.Select(f => ArtifactRef.Create(f, f)).ToList()));
    var load = Median(() => Seconds(() =>
    {
        foreach (var f in files) using (var s = File.OpenRead(f)) { while (s.Read(buffer, 0, buffer.Length) > 0) { } }
    }));
    var verify = Median(() => Seconds(() => { if (ArtifactVerifier.Verify(recorded).Any(c => !c.IsIntact)) throw new InvalidOperationException("damaged"); }));
    var oldFormat = recorded.Select(a => a with { Digest = null }).ToList();
    var verifySha = Median(() => Seconds(() => ArtifactVerifier.Verify(oldFormat)));
    var total = recorded.Sum(a => a.Size) / 1048576.0;
    Line($"### Generated model folder: {shards} shard(s) + 2 JSON files, {total:F0} MiB ({Environment.ProcessorCount} cores)");
    Line("");
    Line("| Step | Time (s) | MiB/s | Verify (chunk digests) as a share |");
    Line("|---|---:|---:|---:|");
    void Row(string name, double t) => Line($"| {name} | {t:F3} | {total / t:F0} | {verify / t:P1} |");
    Row("write the folder (fsync)", write);
    Row("copy the folder", copy);
    Row("read the folder (load, page cache warm)", load);
    Row("record: SHA-256 + chunk digests (at write time)", record);
    Row("verify: chunk digests, parallel", verify);
    Row("verify: SHA-256 (records of the previous release)", verifySha);
    Line("");
    Line($"A 14 GB folder at this rate verifies in about {verify * 14 * 1024 / total:F0} s (chunk digests) or {verifySha * 14 * 1024 / total:F0} s (SHA-256), page cache warm.");
    Line("");
}
