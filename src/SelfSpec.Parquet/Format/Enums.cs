namespace SelfSpec.Parquet.Format;

/// <summary>Physical storage types of the Parquet format.</summary>
public enum PhysicalType
{
    /// <summary>1 bit.</summary>
    Boolean = 0,
    /// <summary>32-bit signed int.</summary>
    Int32 = 1,
    /// <summary>64-bit signed int.</summary>
    Int64 = 2,
    /// <summary>96-bit value (legacy timestamps).</summary>
    Int96 = 3,
    /// <summary>IEEE 754 single.</summary>
    Float = 4,
    /// <summary>IEEE 754 double.</summary>
    Double = 5,
    /// <summary>Variable-length bytes.</summary>
    ByteArray = 6,
    /// <summary>Fixed-length bytes.</summary>
    FixedLenByteArray = 7,
}

/// <summary>Legacy type annotations (Parquet's ConvertedType).</summary>
public enum ConvertedType
{
    /// <summary>UTF-8 string.</summary>
    Utf8 = 0,
    /// <summary>Map.</summary>
    Map = 1,
    /// <summary>Map key/value group.</summary>
    MapKeyValue = 2,
    /// <summary>List.</summary>
    List = 3,
    /// <summary>Enum (string).</summary>
    Enum = 4,
    /// <summary>Decimal.</summary>
    Decimal = 5,
    /// <summary>Days since 1970-01-01.</summary>
    Date = 6,
    /// <summary>Time in milliseconds.</summary>
    TimeMillis = 7,
    /// <summary>Time in microseconds.</summary>
    TimeMicros = 8,
    /// <summary>Timestamp in milliseconds.</summary>
    TimestampMillis = 9,
    /// <summary>Timestamp in microseconds.</summary>
    TimestampMicros = 10,
    /// <summary>Unsigned 8-bit.</summary>
    UInt8 = 11,
    /// <summary>Unsigned 16-bit.</summary>
    UInt16 = 12,
    /// <summary>Unsigned 32-bit.</summary>
    UInt32 = 13,
    /// <summary>Unsigned 64-bit.</summary>
    UInt64 = 14,
    /// <summary>Signed 8-bit.</summary>
    Int8 = 15,
    /// <summary>Signed 16-bit.</summary>
    Int16 = 16,
    /// <summary>Signed 32-bit.</summary>
    Int32 = 17,
    /// <summary>Signed 64-bit.</summary>
    Int64 = 18,
    /// <summary>JSON text.</summary>
    Json = 19,
    /// <summary>BSON.</summary>
    Bson = 20,
    /// <summary>Interval.</summary>
    Interval = 21,
}

/// <summary>REQUIRED, OPTIONAL or REPEATED.</summary>
public enum Repetition
{
    /// <summary>Exactly one value.</summary>
    Required = 0,
    /// <summary>Zero or one value.</summary>
    Optional = 1,
    /// <summary>Zero or more values.</summary>
    Repeated = 2,
}

/// <summary>Value and level encodings.</summary>
public enum Encoding
{
    /// <summary>Plain.</summary>
    Plain = 0,
    /// <summary>Deprecated name of dictionary indices (same as RLE_DICTIONARY in data pages).</summary>
    PlainDictionary = 2,
    /// <summary>RLE / bit-packed hybrid.</summary>
    Rle = 3,
    /// <summary>Deprecated bit-packed levels.</summary>
    BitPacked = 4,
    /// <summary>Delta binary packed integers.</summary>
    DeltaBinaryPacked = 5,
    /// <summary>Delta-encoded lengths then bytes.</summary>
    DeltaLengthByteArray = 6,
    /// <summary>Incremental (prefix) encoding.</summary>
    DeltaByteArray = 7,
    /// <summary>Dictionary indices.</summary>
    RleDictionary = 8,
    /// <summary>Byte stream split.</summary>
    ByteStreamSplit = 9,
}

/// <summary>Page compression codecs.</summary>
public enum CompressionCodec
{
    /// <summary>None.</summary>
    Uncompressed = 0,
    /// <summary>Snappy.</summary>
    Snappy = 1,
    /// <summary>Gzip.</summary>
    Gzip = 2,
    /// <summary>LZO.</summary>
    Lzo = 3,
    /// <summary>Brotli.</summary>
    Brotli = 4,
    /// <summary>Hadoop LZ4.</summary>
    Lz4 = 5,
    /// <summary>Zstandard.</summary>
    Zstd = 6,
    /// <summary>Raw LZ4 block.</summary>
    Lz4Raw = 7,
}

/// <summary>Kinds of page.</summary>
public enum PageType
{
    /// <summary>Data page, version 1.</summary>
    DataPage = 0,
    /// <summary>Index page (unused).</summary>
    IndexPage = 1,
    /// <summary>Dictionary page.</summary>
    DictionaryPage = 2,
    /// <summary>Data page, version 2.</summary>
    DataPageV2 = 3,
}
