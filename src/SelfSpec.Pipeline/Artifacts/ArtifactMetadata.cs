using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Writing;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Artifacts;

/// <summary>
/// The key-value metadata written into the footer of every pipeline Parquet artifact: which workflow and activity
/// produced it, the activity's type version and its parameters. Nothing run-specific (instance ids, times) goes in,
/// so the same inputs give byte-identical artifacts and the runtime's content-hash cache keeps working downstream.
/// </summary>
/// <param name="Workflow">The workflow definition id (or name) that ran the activity.</param>
/// <param name="Activity">The activity type name, e.g. <c>SelfSpec.IngestSeeds</c>.</param>
/// <param name="ActivityId">The activity's id in the workflow definition.</param>
/// <param name="Version">The activity type version.</param>
/// <param name="Parameters">The parameters that shaped the artifact (JSON object).</param>
public sealed record ArtifactMetadata(string Workflow, string Activity, string ActivityId, int Version, JsonObject Parameters)
{
    /// <summary>The footer key of the workflow.</summary>
    public const string WorkflowKey = "selfspec.workflow";

    /// <summary>The footer key of the activity type name.</summary>
    public const string ActivityKey = "selfspec.activity";

    /// <summary>The footer key of the activity id.</summary>
    public const string ActivityIdKey = "selfspec.activity_id";

    /// <summary>The footer key of the activity type version.</summary>
    public const string VersionKey = "selfspec.activity_version";

    /// <summary>The footer key of the parameters (compact JSON).</summary>
    public const string ParametersKey = "selfspec.parameters";

    /// <summary>The page codec of the files <see cref="Write{T}"/> writes (SNAPPY unless the activity chose another).</summary>
    public CompressionCodec Codec { get; init; } = CompressionCodec.Snappy;

    /// <summary>
    /// The metadata for <paramref name="activity"/> running in <paramref name="context"/>; the codec is the activity's
    /// <c>compression</c> input when it is an <see cref="IParquetArtifactWriter"/>.
    /// </summary>
    public static ArtifactMetadata For(WorkflowActivity activity, ActivityExecutionContext context, JsonObject parameters)
    {
        var attribute = activity.GetType().GetCustomAttribute<ActivityAttribute>()
            ?? throw new ArgumentException($"{activity.GetType().Name} has no [Activity] attribute", nameof(activity));
        return new ArtifactMetadata(WorkflowIdentity.Of(context), $"{attribute.Namespace}.{attribute.Type ?? activity.GetType().Name}",
            context.ActivityId, attribute.Version, parameters)
        {
            Codec = activity is IParquetArtifactWriter writer ? IParquetArtifactWriter.ParseCompression(writer.Compression) : CompressionCodec.Snappy,
        };
    }

    /// <summary>The footer entries.</summary>
    public IDictionary<string, string> ToKeyValues() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [WorkflowKey] = Workflow,
        [ActivityKey] = Activity,
        [ActivityIdKey] = ActivityId,
        [VersionKey] = Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [ParametersKey] = Parameters.ToJsonString(new JsonSerializerOptions { WriteIndented = false }),
    };

    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> with this metadata in the footer, compressed with <see cref="Codec"/>.</summary>
    public void Write<T>(string path, IEnumerable<T> rows, CancellationToken cancellationToken = default) =>
        ParquetSerializer.Write(path, rows, new ParquetWriterOptions { KeyValueMetadata = ToKeyValues(), Codec = Codec }, cancellationToken);
}

/// <summary>Finds the workflow definition an activity runs in.</summary>
internal static class WorkflowIdentity
{
    // The instance id changes every run; the definition's name (or id) is stable, so artifacts stay byte-identical.
    public static string Of(ActivityExecutionContext context) => string.IsNullOrEmpty(context.WorkflowName) ? "unknown" : context.WorkflowName;
}
