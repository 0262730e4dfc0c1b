using System.Runtime.CompilerServices;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Parquet.Data;

/// <summary>
/// One leaf column of one row group in columnar form (Dremel levels plus the dense non-null values), exactly as it is
/// stored: definition/repetition levels per entry and only the defined values. No per-value objects are allocated:
/// byte arrays and strings live in one contiguous <see cref="Bytes"/> buffer with <see cref="Offsets"/>.
/// </summary>
public sealed class ColumnData
{
    /// <summary>Creates empty storage for <paramref name="column"/> sized for about <paramref name="capacity"/> entries.</summary>
    public ColumnData(ColumnDescriptor column, int capacity = 16)
    {
        Column = column;
        capacity = Math.Max(capacity, 1);
        if (column.MaxDefinitionLevel > 0) DefinitionLevels = new byte[capacity];
        if (column.MaxRepetitionLevel > 0) RepetitionLevels = new byte[capacity];
        switch (column.PhysicalType)
        {
            case PhysicalType.Boolean: Booleans = new bool[capacity]; break;
            case PhysicalType.Int32: Int32s = new int[capacity]; break;
            case PhysicalType.Int64: Int64s = new long[capacity]; break;
            case PhysicalType.Float: Floats = new float[capacity]; break;
            case PhysicalType.Double: Doubles = new double[capacity]; break;
            default:
                Offsets = new int[capacity + 1];
                Bytes = new byte[Math.Max(64, capacity * 16)];
                break;
        }
    }

    /// <summary>The column.</summary>
    public ColumnDescriptor Column { get; }

    /// <summary>Number of level entries (rows for flat columns; rows plus extra list elements for lists).</summary>
    public int LevelCount { get; internal set; }

    /// <summary>Definition levels (first <see cref="LevelCount"/>), or null when the column is REQUIRED throughout.</summary>
    public byte[]? DefinitionLevels { get; internal set; }

    /// <summary>Repetition levels (first <see cref="LevelCount"/>), or null for non-repeated columns.</summary>
    public byte[]? RepetitionLevels { get; internal set; }

    /// <summary>Number of non-null values.</summary>
    public int ValueCount { get; internal set; }

    /// <summary>Values of a BOOLEAN column.</summary>
    public bool[]? Booleans { get; internal set; }

    /// <summary>Values of an INT32 column (also DATE, INT(8/16/32), DECIMAL on INT32, TIME millis).</summary>
    public int[]? Int32s { get; internal set; }

    /// <summary>Values of an INT64 column (also TIMESTAMP, DECIMAL on INT64, TIME micros/nanos).</summary>
    public long[]? Int64s { get; internal set; }

    /// <summary>Values of a FLOAT column.</summary>
    public float[]? Floats { get; internal set; }

    /// <summary>Values of a DOUBLE column.</summary>
    public double[]? Doubles { get; internal set; }

    /// <summary>Concatenated bytes of BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY and INT96 values.</summary>
    public byte[]? Bytes { get; internal set; }

    /// <summary>Value i occupies <c>Bytes[Offsets[i]..Offsets[i+1]]</c>.</summary>
    public int[]? Offsets { get; internal set; }

    /// <summary>Number of rows (entries with repetition level 0).</summary>
    public int RowCount
    {
        get
        {
            if (RepetitionLevels == null) return LevelCount;
            var n = 0;
            var reps = RepetitionLevels.AsSpan(0, LevelCount);
            foreach (var r in reps) if (r == 0) n++;
            return n;
        }
    }

    /// <summary>The bytes of value <paramref name="valueIndex"/> (byte-array columns).</summary>
    public ReadOnlySpan<byte> GetBytes(int valueIndex) => Bytes.AsSpan(Offsets![valueIndex], Offsets[valueIndex + 1] - Offsets[valueIndex]);

    /// <summary>Value <paramref name="valueIndex"/> decoded as UTF-8.</summary>
    public string GetString(int valueIndex) => System.Text.Encoding.UTF8.GetString(GetBytes(valueIndex));

    /// <summary>The definition level of entry <paramref name="i"/>.</summary>
    public int DefinitionLevel(int i) => DefinitionLevels == null ? 0 : DefinitionLevels[i];

    /// <summary>The repetition level of entry <paramref name="i"/>.</summary>
    public int RepetitionLevel(int i) => RepetitionLevels == null ? 0 : RepetitionLevels[i];

    internal void EnsureLevels(int extra)
    {
        var need = LevelCount + extra;
        if (DefinitionLevels != null && DefinitionLevels.Length < need) DefinitionLevels = Grow(DefinitionLevels, need);
        if (RepetitionLevels != null && RepetitionLevels.Length < need) RepetitionLevels = Grow(RepetitionLevels, need);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnsureValues(int extra)
    {
        var need = ValueCount + extra;
        switch (Column.PhysicalType)
        {
            case PhysicalType.Boolean: if (Booleans!.Length < need) Booleans = Grow(Booleans, need); break;
            case PhysicalType.Int32: if (Int32s!.Length < need) Int32s = Grow(Int32s, need); break;
            case PhysicalType.Int64: if (Int64s!.Length < need) Int64s = Grow(Int64s, need); break;
            case PhysicalType.Float: if (Floats!.Length < need) Floats = Grow(Floats, need); break;
            case PhysicalType.Double: if (Doubles!.Length < need) Doubles = Grow(Doubles, need); break;
            default: if (Offsets!.Length < need + 1) Offsets = Grow(Offsets, need + 1); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnsureBytes(int extra)
    {
        var need = (long)Offsets![ValueCount] + extra;
        if (need > Bytes!.Length) GrowBytes(need);
    }

    private void GrowBytes(long need)
    {
        if (need > Array.MaxLength) throw new ParquetFormatException($"column '{Column.DottedPath}' holds more than 2 GB of bytes in one row group; use smaller row groups");
        Bytes = Grow(Bytes!, (int)need);
    }

    internal static T[] Grow<T>(T[] a, int need)
    {
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)need, (long)a.Length * 2));
        var b = GC.AllocateUninitializedArray<T>(size);
        a.AsSpan().CopyTo(b);
        return b;
    }

    /// <summary>Total bytes held by values (for row group sizing).</summary>
    public long ValueByteSize => Column.PhysicalType switch
    {
        PhysicalType.Boolean => ValueCount / 8 + 1,
        PhysicalType.Int32 or PhysicalType.Float => ValueCount * 4L,
        PhysicalType.Int64 or PhysicalType.Double => ValueCount * 8L,
        _ => Offsets![ValueCount] + 4L * ValueCount,
    };
}
