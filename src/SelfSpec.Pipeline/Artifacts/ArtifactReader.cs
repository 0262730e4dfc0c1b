using SelfSpec.Parquet;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Artifacts;

/// <summary>Reads an activity's Parquet input, turning every failure into a <see cref="PipelineException"/> naming the input, file and column.</summary>
internal static class ArtifactReader
{
    /// <summary>The rows of the artifact bound to input <paramref name="input"/> (camelCase input name).</summary>
    public static List<T> Read<T>(ArtifactRef? artifact, string input, CancellationToken cancellationToken)
    {
        var path = Require(artifact, input);
        try
        {
            return ParquetSerializer.ReadStream<T>(path, cancellationToken).ToList();
        }
        catch (ParquetFormatException e)
        {
            throw new PipelineException($"input '{input}' is not a valid {typeof(T).Name} file: {e.Reason}", path, field: e.Column ?? input, inner: e);
        }
    }

    /// <summary>The path of a required artifact input that exists.</summary>
    public static string Require(ArtifactRef? artifact, string input)
    {
        if (artifact is null || string.IsNullOrEmpty(artifact.Path)) throw new PipelineException("required input is not set", field: input);
        if (!File.Exists(artifact.Path)) throw new PipelineException($"input '{input}' names a file that does not exist", artifact.Path, field: input);
        return artifact.Path;
    }
}
