using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Writing;

namespace SelfSpec.Pipeline.Artifacts;

/// <summary>
/// An activity whose Parquet artifacts are compressed with the codec its <c>compression</c> input names;
/// <see cref="ArtifactMetadata.For"/> picks it up, so every file the activity writes uses it.
/// </summary>
public interface IParquetArtifactWriter
{
    /// <summary>The input's description (one text for every activity).</summary>
    public const string CompressionDescription =
        "Parquet codec of the artifacts this activity writes: snappy (default; fastest to write and read), zstd (level 3; smaller files), gzip or none.";

    /// <summary>The codec name: snappy, zstd, gzip or none.</summary>
    string Compression { get; }

    /// <summary>The codec <paramref name="name"/> selects; a <see cref="PipelineException"/> naming the <c>compression</c> input otherwise.</summary>
    public static CompressionCodec ParseCompression(string? name) =>
        CodecNames.TryParse(name ?? "snappy", out var codec) ? codec : throw new PipelineException(CodecNames.Unknown(name), field: "compression");
}
