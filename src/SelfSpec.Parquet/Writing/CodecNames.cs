using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Writing;

/// <summary>The codec names users type (CLI options, workflow inputs) and the codecs they select for writing.</summary>
public static class CodecNames
{
    /// <summary>The names accepted by <see cref="Parse"/>, for help texts.</summary>
    public const string Accepted = "snappy, zstd, gzip or none";

    /// <summary>
    /// The write codec named <paramref name="name"/> (case-insensitive): <c>snappy</c>, <c>zstd</c>, <c>gzip</c>,
    /// <c>none</c> / <c>uncompressed</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Another name; the message lists the accepted ones.</exception>
    public static CompressionCodec Parse(string name, string parameter = "codec") =>
        TryParse(name, out var codec) ? codec : throw new ArgumentException(Unknown(name), parameter);

    /// <summary>The write codec named <paramref name="name"/>, as <see cref="Parse"/>; false for another name.</summary>
    public static bool TryParse(string? name, out CompressionCodec codec)
    {
        CompressionCodec? found = name?.Trim().ToLowerInvariant() switch
        {
            "snappy" => CompressionCodec.Snappy,
            "zstd" => CompressionCodec.Zstd,
            "gzip" => CompressionCodec.Gzip,
            "none" or "uncompressed" => CompressionCodec.Uncompressed,
            _ => null,
        };
        codec = found ?? default;
        return found != null;
    }

    /// <summary>The error text for an unknown codec name.</summary>
    public static string Unknown(string? name) => $"unknown Parquet codec '{name}' ({Accepted})";
}
