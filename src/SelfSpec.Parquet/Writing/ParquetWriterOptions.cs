using System.IO.Compression;
using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Writing;

/// <summary>Settings of <see cref="ParquetWriter"/> and of the typed serializer.</summary>
public sealed class ParquetWriterOptions
{
    /// <summary>Page codec: SNAPPY (default), ZSTD, GZIP or UNCOMPRESSED.</summary>
    public CompressionCodec Codec { get; set; } = CompressionCodec.Snappy;

    /// <summary>GZIP effort.</summary>
    public CompressionLevel GzipLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>ZSTD level, 1 (fastest) to 22 (smallest; negative levels are faster still); 3 by default, zstd's own default.</summary>
    public int ZstdLevel
    {
        get => _zstdLevel;
        set
        {
            if (value is < MinZstdLevel or > MaxZstdLevel)
                throw new ArgumentOutOfRangeException(nameof(ZstdLevel), value, $"the ZSTD level must be between {MinZstdLevel} and {MaxZstdLevel}");
            _zstdLevel = value;
        }
    }

    private int _zstdLevel = 3;

    /// <summary>The lowest <see cref="ZstdLevel"/> accepted.</summary>
    public const int MinZstdLevel = -7;

    /// <summary>The highest <see cref="ZstdLevel"/> accepted.</summary>
    public const int MaxZstdLevel = 22;

    /// <summary>Try dictionary encoding for every non-boolean column (falls back to PLAIN when it does not pay off).</summary>
    public bool UseDictionary { get; set; } = true;

    /// <summary>A column chunk's dictionary may hold at most this many bytes of values before falling back to PLAIN.</summary>
    public int DictionaryMaxBytes { get; set; } = 1 << 20;

    /// <summary>Target uncompressed size of a data page.</summary>
    public int DataPageSize { get; set; } = 1 << 20;

    /// <summary>Data page format: 1 (DATA_PAGE, the default every reader handles) or 2 (DATA_PAGE_V2: levels stored uncompressed ahead of the values).</summary>
    public int DataPageVersion { get; set; } = 1;

    /// <summary>
    /// Write the CRC-32 of every page (the <c>crc</c> field of the page header, over the page's bytes as stored after
    /// the header), so readers that verify checksums (ours, Arrow, DuckDB) catch a damaged page. On by default.
    /// </summary>
    public bool WritePageCrc { get; set; } = true;

    /// <summary>Column chunks encoded in parallel (1 = single-threaded).</summary>
    public int MaxDegreeOfParallelism { get; set; } = 1;

    /// <summary>Row-group cut by row count (for writers that buffer rows, such as the typed serializer).</summary>
    public int RowGroupRows { get; set; } = 122_880;

    /// <summary>Row-group cut by estimated in-memory bytes (for writers that buffer rows).</summary>
    public long RowGroupBytes { get; set; } = 128L << 20;

    /// <summary>Key/value metadata stored in the footer (e.g. the producing workflow, activity and parameters).</summary>
    public IDictionary<string, string> KeyValueMetadata { get; set; } = new Dictionary<string, string>();

    /// <summary>The footer's <c>created_by</c>.</summary>
    public string CreatedBy { get; set; } = "SelfSpec.Parquet version 0.1.0";
}
