namespace SelfSpec.Parquet;

/// <summary>
/// A Parquet file could not be read or written: it is truncated, not Parquet, has a corrupt footer or page,
/// uses an unsupported feature, or does not match the schema a caller expected.
/// Carries the file and, where known, the row group and column.
/// </summary>
public sealed class ParquetFormatException : FormatException
{
    /// <summary>Creates the exception with a message that already names the file, row group and column.</summary>
    public ParquetFormatException(string reason, string? filePath = null, int? rowGroup = null, string? column = null, Exception? inner = null,
        ParquetErrorKind kind = ParquetErrorKind.Corrupt, int? page = null)
        : base(Compose(reason, filePath, rowGroup, column, page), inner)
    {
        Page = page;
        Kind = kind;
        Reason = reason;
        FilePath = filePath;
        RowGroup = rowGroup;
        Column = column;
    }

    /// <summary>The category of the problem.</summary>
    public ParquetErrorKind Kind { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>The file, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The zero-based row group, when known.</summary>
    public int? RowGroup { get; }

    /// <summary>The column path (dotted), when known.</summary>
    public string? Column { get; }

    /// <summary>The zero-based page within the column chunk (the dictionary page, if any, is page 0), when known.</summary>
    public int? Page { get; }

    /// <summary>Returns a copy of this exception with the location filled in where it was missing.</summary>
    internal ParquetFormatException WithLocation(string? filePath, int? rowGroup = null, string? column = null, int? page = null) =>
        new(Reason, FilePath ?? filePath, RowGroup ?? rowGroup, Column ?? column, InnerException, Kind, Page ?? page);

    private static string Compose(string reason, string? file, int? rowGroup, string? column, int? page)
    {
        var where = new List<string>();
        if (file != null) where.Add(file);
        if (rowGroup != null) where.Add($"row group {rowGroup}");
        if (column != null) where.Add($"column '{column}'");
        if (page != null) where.Add($"page {page}");
        return where.Count == 0 ? reason : $"{string.Join(", ", where)}: {reason}";
    }
}

/// <summary>Categories of <see cref="ParquetFormatException"/>.</summary>
public enum ParquetErrorKind
{
    /// <summary>Corrupt data inside the file (page, levels, values, codec failure).</summary>
    Corrupt,
    /// <summary>Shorter than the 12 bytes of an empty Parquet file.</summary>
    TooSmall,
    /// <summary>The file does not start with <c>PAR1</c>.</summary>
    BadMagicHead,
    /// <summary>The file does not end with <c>PAR1</c> (truncated or not Parquet).</summary>
    BadMagicTail,
    /// <summary>The footer length is zero or points outside the file.</summary>
    FooterLengthOutOfRange,
    /// <summary>The footer is not valid Thrift FileMetaData.</summary>
    CorruptFooter,
    /// <summary>A valid file uses a feature this library does not implement (codec, encryption, encoding).</summary>
    Unsupported,
    /// <summary>The file's schema does not match what the caller expected.</summary>
    SchemaMismatch,
    /// <summary>A page's bytes do not match the CRC-32 its header records: the file was damaged after it was written.</summary>
    ChecksumMismatch,
}
