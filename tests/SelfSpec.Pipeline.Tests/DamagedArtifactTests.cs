using System.Text.Json.Nodes;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>
/// Each kind of file the pipeline writes, damaged in place, truncated or deleted after a run: the next run recomputes the
/// stage that wrote it and everything after it, reuses what came before, says so in the journal, and publishes a folder
/// byte-identical to the undamaged run's. A small chain of the real activities on tiny data: a tiny bootstrapped model
/// (safetensors, tokenizer and config JSON), and the tiny fixture Llama that the adapter is trained on and evaluated with.
/// </summary>
public sealed class DamagedArtifactTests
{
    private static string Data(params string[] parts) => Path.Combine([Paths.RepoRoot, "data", .. parts]);


    private static readonly InstructionRow[] Instructions =
    [
        new("inst-000001", 0, "Which fusion protein does imatinib inhibit in chronic myeloid leukemia?", "", 0.2, null),
        new("inst-000002", 1, "Identify the disease in the sentence.", "Mutations in the CFTR gene cause cystic fibrosis.", 0.1, null),
    ];

    /// <summary>ingest → bootstrap → train → build → retrieve → evaluate → publish.</summary>
    private static WorkflowDefinition Chain(PipelineHost host)
    {
        var instructions = host.Dir.Combine("instructions.parquet");
        var sft = host.Dir.Combine("sft.parquet");
        var model = host.Dir.Combine("model");
        if (!File.Exists(instructions))
        {
            TinyLlamaModel.Create(model);
            ParquetSerializer.Write(instructions, Instructions);
            var seeds = File.ReadLines(Data("seeds", "biomedical_seeds.jsonl")).Take(4).Select(l => JsonNode.Parse(l)!.AsObject());
            ParquetSerializer.Write(sft, seeds.Select((s, i) => new SftRow($"inst-{i + 1:000000}", s["instruction"]!.ToString(), s["input"]!.ToString(),
                s["output"]!.ToString(), [], -1.0)));
        }
        return PipelineHost.Chain(
            ("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(Data("seeds", "biomedical_seeds.jsonl"), "String"))], ["seeds"]),
            ("bootstrap", "SelfSpec.BootstrapBaseModel",
            [
                ("seeds", Var("seeds")), ("corpusPath", Lit(Data("corpus", "demo_abstracts.jsonl"), "String")), ("vocabSize", Lit(600, "Int32")),
                ("hiddenSize", Lit(32, "Int32")), ("layers", Lit(1, "Int32")), ("heads", Lit(2, "Int32")), ("trainingSteps", Lit(2, "Int32")),
                ("batchSize", Lit(2, "Int32")), ("sequenceLength", Lit(32, "Int32")), ("threads", Lit(1, "Int32")),
            ], ["modelPath", "bootstrapLog"]),
            ("train", "SelfSpec.TrainAdapter",
            [
                ("model", Lit(model, "String")), ("sft", ArtifactInput(sft)), ("qlora", Lit(false)), ("batchSize", Lit(4)), ("microBatchSize", Lit(2)),
                ("epochs", Lit(1)), ("randomSeed", Lit(7)),
            ], ["adapterPath", "trainingLog"]),
            ("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(Data("corpus", "demo_abstracts.jsonl"), "String")), ("indexFolder", Lit(host.Dir.Combine("index"), "String"))], ["index"]),
            ("retrieve", "SelfSpec.RetrieveDocuments", [("instructions", ArtifactInput(instructions)), ("index", Var("index")), ("k", Lit(2))], ["retrievals"]),
            ("evaluate", "SelfSpec.Evaluate",
            [
                ("model", Lit(model, "String")), ("adapter", Var("adapterPath")), ("dataset", Lit(Data("eval", "demo_eval.jsonl"), "String")),
                ("shots", Lit("0", "String")), ("maxInstancesPerDataset", Lit(1)), ("isDemonstrationModel", Lit(true)),
            ], ["report"]),
            ("publish", "SelfSpec.PublishRun", [("outputFolder", Lit(host.Dir.Combine("out"), "String"))], ["outputPath"]));
    }

    private static readonly string[] Order = ["bootstrap", "train", "retrieve", "evaluate"]; // the cacheable stages, in chain order

    public static TheoryData<string, string> Kinds => new()
    {
        { "parquet", "retrieve/retrievals.parquet" },
        { "safetensors", "train/adapter/adapter_model.safetensors" },
        { "config json", "train/adapter/adapter_config.json" },
        { "bm25 index", "build/index.json" },
        { "report", "evaluate/report.md" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ADamagedFileIsRecomputedWithWhatFollowsAndThePublicationIsUnchanged(string kind, string file)
    {
        _ = kind;
        using var host = new PipelineHost();
        var definition = Chain(host);
        var first = await host.Runtime.RunAsync(definition);
        Assert.True(first.Status == WorkflowStatus.Finished, first.Error + string.Join("\n", first.Records.Select(r => r.Error)));
        var reference = Snapshot(host.Dir.Combine("out"));
        var activity = file[..file.IndexOf('/')];
        var latest = first;

        foreach (var damage in new[] { FileDamage.FlipBytesInPlace, FileDamage.Truncate, FileDamage.Delete })
        {
            // The copy the next run would reuse: this activity's file as the latest run recorded it (maybe an earlier run's).
            var target = ArtifactOf(latest, activity, file[(file.IndexOf('/') + 1)..]);
            damage.Apply(target);
            var log = new List<WorkflowEvent>();
            var again = await host.Runtime.RunAsync(definition, new WorkflowRunOptions { Events = new Collect(log) });
            Assert.True(again.Status == WorkflowStatus.Finished, $"{damage}: " + again.Error + string.Join("\n", again.Records.Select(r => r.Error)));

            var reused = Order.Where(id => again.Records.Single(r => r.ActivityId == id).ReusedFromId is not null).ToArray();
            var damagedStage = Array.IndexOf(Order, activity);
            // A stage that is never taken from the cache (build) runs anyway; what follows it reads identical bytes and is reused.
            string[] expectedReused = damagedStage < 0 ? Order : Order[..damagedStage];
            Assert.Equal(expectedReused, reused);

            var reported = log.OfType<ArtifactsDamaged>().ToList();
            var journal = host.Store.GetLog(again.InstanceId).Where(l => l.EventName == "ArtifactDamaged").ToList();
            if (damagedStage < 0)
            {
                Assert.Empty(reported); // nothing tried to reuse it
                Assert.Contains(host.Store.GetLog(again.InstanceId), l => l.ActivityId == activity && l.EventName == "Completed");
            }
            else
            {
                Assert.Equal(activity, Assert.Single(reported).ActivityId);
                var entry = Assert.Single(journal);
                Assert.Equal(activity, entry.ActivityId);
                Assert.Contains(target, entry.Message);
                Assert.Contains(damage switch { FileDamage.FlipBytesInPlace => "content changed", FileDamage.Truncate => "size changed", _ => "missing" }, entry.Message);
            }
            var published = Snapshot(host.Dir.Combine("out"));
            Assert.Equal(reference.Keys, published.Keys);
            Assert.Empty(reference.Keys.Where(k => reference[k] != published[k]).Select(k => $"{damage}: {k} differs"));
            Assert.All(RunVerifier.Verify(host.Store, [host.Store.FindInstance(again.InstanceId)!]), v => Assert.True(v.Check.IsIntact, v.Check.Describe()));
            latest = again;
        }
    }

    [Fact]
    public async Task AnActivityThatCannotReadItsInputNamesTheActivityThatWroteItAndTheCommand()
    {
        using var host = new PipelineHost();
        var instructions = host.Dir.Combine("instructions.parquet");
        ParquetSerializer.Write(instructions, Instructions);
        var definition = PipelineHost.Chain(
            ("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(Data("corpus", "demo_abstracts.jsonl"), "String")), ("indexFolder", Lit(host.Dir.Combine("index"), "String"))], ["index"]),
            ("corrupt", "SelfSpec.Iterate", [("model", Lit(Paths.Fixture("llama", "tiny-llama"), "String")), ("adapter", Lit(Paths.Fixture("llama", "tiny-lora"), "String"))], ["record"]),
            ("retrieve", "SelfSpec.RetrieveDocuments", [("instructions", Var("record")), ("index", Var("index"))], ["retrievals"]));
        definition.SourceFile = host.Dir.Combine("my workflow.json");
        var result = await host.Runtime.RunAsync(definition);
        // iteration.json is not a Parquet file: the reader fails, and the error points at the stage that wrote it.
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var error = result.Records.Single(r => r.ActivityId == "retrieve").Error!;
        Assert.Contains("could not be read; it was written by activity 'corrupt' of run " + result.InstanceId, error);
        Assert.Contains("input 'instructions' (" + ArtifactPath(result, "corrupt", "record") + ")", error);
        Assert.Contains($"`selfspec run '{host.Dir.Combine("my workflow.json")}' --force corrupt`", error);
    }

    private static string ArtifactOf(WorkflowRunResult result, string activity, string relative)
    {
        var artifacts = JsonNode.Parse(result.Records.Single(r => r.ActivityId == activity).ArtifactsJson)!.AsArray();
        return artifacts.Select(a => a!["path"]!.ToString()).Single(p => p.EndsWith(Path.DirectorySeparatorChar + relative.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal));
    }

    /// <summary>
    /// Every published file's bytes (base64) by relative path; the manifest by its file list (it also names the instance
    /// and time), and the adapter's training log by its rows as DuckDB reads them without <c>tokens_per_second</c>, the one
    /// wall-clock measurement the pipeline writes (and so the one thing a recomputed stage cannot reproduce); the report
    /// with the run folder it names (the adapter's, when training ran again) replaced by a placeholder.
    /// </summary>
    private static SortedDictionary<string, string> Snapshot(string folder)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, path);
            result[relative] = relative == Publishing.PublishRun.ManifestFileName
                ? ManifestFiles(path)
                : NamesItsRun.Contains(relative.Replace(Path.DirectorySeparatorChar, '/'))
                    ? System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), "runs/[0-9a-f]{16}/", "runs/<instance>/")
                : relative == Path.Combine("train", "training_log.parquet")
                    ? string.Join("\n", DuckDb.Rows(DuckDb.Inspect(path)).Select(r => { r.Remove("tokens_per_second"); return r.ToJsonString(); }))
                    : Convert.ToBase64String(File.ReadAllBytes(path));
        }
        return result;
    }

    /// <summary>The report names the adapter it evaluated by its folder, which is below the run that trained it.</summary>
    private static readonly HashSet<string> NamesItsRun = ["evaluate/report.md", "evaluate/report.html"];

    /// <summary>The manifest's file list; the training log's and report's entries without their hash and size (see <see cref="Snapshot"/>).</summary>
    private static string ManifestFiles(string path)
    {
        var files = JsonNode.Parse(File.ReadAllText(path))!["files"]!.AsArray();
        foreach (var f in files.OfType<JsonObject>().Where(f => f["path"]!.ToString() == "train/training_log.parquet" || NamesItsRun.Contains(f["path"]!.ToString())))
        {
            // tokens_per_second changes how well the training log compresses, so its size can move with its hash.
            f.Remove("sha256");
            f.Remove("size");
        }
        return files.ToJsonString();
    }

    private sealed class Collect(List<WorkflowEvent> events) : IProgress<WorkflowEvent>
    {
        public void Report(WorkflowEvent value) { lock (events) events.Add(value); }
    }
}
