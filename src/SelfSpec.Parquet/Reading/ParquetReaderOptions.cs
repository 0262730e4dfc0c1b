namespace SelfSpec.Parquet.Reading;

/// <summary>Settings of <see cref="ParquetReader"/>.</summary>
public sealed class ParquetReaderOptions
{
    /// <summary>The defaults: page checksums verified.</summary>
    public static ParquetReaderOptions Default { get; } = new();

    /// <summary>
    /// Verify the CRC-32 of every page that carries one (the <c>crc</c> field of the page header) and reject a
    /// mismatch with a <see cref="ParquetFormatException"/> of kind <see cref="ParquetErrorKind.ChecksumMismatch"/>
    /// naming the file, row group, column and page. Pages without a checksum (most writers omit it) are read as they
    /// are. On by default; the cost is one vectorized CRC pass over the compressed bytes.
    /// </summary>
    public bool VerifyPageChecksums { get; init; } = true;
}
