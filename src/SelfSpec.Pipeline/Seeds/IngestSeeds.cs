using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Seeds;

/// <summary>
/// Reads the seed tasks (JSONL, CSV or Parquet in BoX form), validates every row and writes <c>seeds.parquet</c>
/// (<see cref="SeedRow"/>). Not cached by input: the seed file is outside the run, so it is read every time; the
/// artifact is byte-identical for the same seeds, so everything downstream is still reused.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization", Cacheable = false,
    Description = "Reads seed tasks (JSONL, CSV or Parquet in BoX form), validates them and writes seeds.parquet.")]
public sealed class IngestSeeds : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The artifact's file name.</summary>
    public const string FileName = "seeds.parquet";

    /// <summary>The seed file (.jsonl, .csv or .parquet); relative paths resolve against the current directory.</summary>
    [ActivityInput(Description = "Seed file: .jsonl, .csv or .parquet with instruction/definition, input, output (task and id optional).", Required = true)]
    public string SeedsPath { get; set; } = "";

    /// <summary>The written <c>seeds.parquet</c>.</summary>
    [ActivityOutput(Description = "seeds.parquet")]
    public ArtifactRef? Seeds { get; set; }

    /// <summary>The number of seeds.</summary>
    [ActivityOutput(Description = "Number of seeds read.")]
    public int SeedCount { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var path = Path.GetFullPath(SeedsPath);
        var seeds = SeedReader.Read(path, context.CancellationToken);
        var metadata = ArtifactMetadata.For(this, context, new JsonObject
        {
            ["seeds_file"] = Path.GetFileName(path),
            ["seed_count"] = seeds.Count,
        });
        metadata.Write(context.GetArtifactPath(FileName), seeds, context.CancellationToken);
        Seeds = context.RegisterArtifact(FileName);
        SeedCount = seeds.Count;
        context.Log($"{seeds.Count} seeds from {path} ({seeds.Select(s => s.Task).Distinct().Count()} tasks)");
        context.Progress.Report(new ActivityProgress(seeds.Count, seeds.Count));
        return ValueTask.CompletedTask;
    }
}
