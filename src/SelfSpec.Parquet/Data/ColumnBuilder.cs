using System.Runtime.CompilerServices;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Parquet.Data;

/// <summary>
/// Appends rows to a <see cref="ColumnData"/> for a flat column or a LIST of primitives, computing the
/// definition and repetition levels. Strings are UTF-8 encoded straight into the column's byte buffer.
/// </summary>
/// <example>
/// <code>
/// var b = new ColumnBuilder(schema.Columns[0]);
/// b.AddInt64(42); b.AddNull();
/// var ids = new ColumnBuilder(schema.Columns[1]);
/// ids.BeginList(); ids.AddString("pmid:1"); ids.AddNull(); ids.EndList();
/// </code>
/// </example>
public sealed class ColumnBuilder
{
    private readonly ColumnData _data;
    private readonly byte _maxDef;
    private readonly bool _isList;
    private readonly int _nullRowDef = -1;
    private readonly int _emptyListDef;
    private readonly int _nullElementDef = -1;
    private bool _inList;
    private bool _firstInList;

    /// <summary>Starts an empty column for <paramref name="column"/>.</summary>
    public ColumnBuilder(ColumnDescriptor column, int capacity = 1024)
    {
        if (column.MaxRepetitionLevel > 1) throw new NotSupportedException($"column '{column.DottedPath}': only flat columns and single-level lists can be built");
        _data = new ColumnData(column, capacity);
        _maxDef = (byte)column.MaxDefinitionLevel;
        _isList = column.MaxRepetitionLevel == 1;
        var node = column.Node;
        if (_isList)
        {
            var repeated = node;
            while (repeated.Repetition != Repetition.Repeated) repeated = repeated.Parent!;
            _emptyListDef = repeated.DefinitionLevel - 1;
            var top = repeated.Parent!;
            if (top.Repetition == Repetition.Optional) _nullRowDef = top.DefinitionLevel - 1;
            if (node.Repetition == Repetition.Optional && node != repeated) _nullElementDef = _maxDef - 1;
        }
        else if (node.Repetition == Repetition.Optional) _nullRowDef = _maxDef - 1;
    }

    /// <summary>The column being built.</summary>
    public ColumnDescriptor Column => _data.Column;

    /// <summary>Rows added so far.</summary>
    public int RowCount { get; private set; }

    /// <summary>Bytes held so far (for row-group sizing).</summary>
    public long EstimatedBytes => _data.ValueByteSize + _data.LevelCount;

    /// <summary>Starts a list row (list columns only).</summary>
    public void BeginList()
    {
        if (!_isList) throw new InvalidOperationException($"column '{Column.DottedPath}' is not a list");
        if (_inList) throw new InvalidOperationException("BeginList called twice without EndList");
        _inList = true;
        _firstInList = true;
    }

    /// <summary>Ends a list row; a list without elements is stored as an empty list.</summary>
    public void EndList()
    {
        if (!_inList) throw new InvalidOperationException("EndList without BeginList");
        if (_firstInList) Level(0, _emptyListDef);
        _inList = false;
        RowCount++;
    }

    /// <summary>Adds a null: a null row, or a null element inside a list.</summary>
    public void AddNull()
    {
        if (_inList)
        {
            if (_nullElementDef < 0) throw new ArgumentException($"column '{Column.DottedPath}' does not allow null list elements");
            Level(_firstInList ? 0 : 1, _nullElementDef);
            _firstInList = false;
            return;
        }
        if (_nullRowDef < 0) throw new ArgumentException($"column '{Column.DottedPath}' is required but a null was given");
        Level(0, _nullRowDef);
        RowCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ValueLevel()
    {
        if (_inList)
        {
            Level(_firstInList ? 0 : 1, _maxDef);
            _firstInList = false;
        }
        else
        {
            if (_isList) throw new InvalidOperationException($"column '{Column.DottedPath}' is a list: call BeginList first");
            Level(0, _maxDef);
            RowCount++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Level(int rep, int def)
    {
        var d = _data;
        var i = d.LevelCount;
        if (d.DefinitionLevels != null)
        {
            if (i >= d.DefinitionLevels.Length) d.EnsureLevels(1);
            d.DefinitionLevels![i] = (byte)def;
        }
        if (d.RepetitionLevels != null)
        {
            if (i >= d.RepetitionLevels.Length) d.EnsureLevels(1);
            d.RepetitionLevels![i] = (byte)rep;
        }
        d.LevelCount = i + 1;
    }

    private void Check(PhysicalType t)
    {
        if (Column.PhysicalType != t) throw new ArgumentException($"column '{Column.DottedPath}' is {Column.DescribeType()}, not {t.ToString().ToUpperInvariant()}");
    }

    /// <summary>Adds a BOOLEAN value.</summary>
    public void AddBoolean(bool v)
    {
        Check(PhysicalType.Boolean);
        ValueLevel();
        _data.EnsureValues(1);
        _data.Booleans![_data.ValueCount++] = v;
    }

    /// <summary>Adds an INT32 value.</summary>
    public void AddInt32(int v)
    {
        Check(PhysicalType.Int32);
        ValueLevel();
        _data.EnsureValues(1);
        _data.Int32s![_data.ValueCount++] = v;
    }

    /// <summary>Adds an INT64 value.</summary>
    public void AddInt64(long v)
    {
        Check(PhysicalType.Int64);
        ValueLevel();
        _data.EnsureValues(1);
        _data.Int64s![_data.ValueCount++] = v;
    }

    /// <summary>Adds a FLOAT value.</summary>
    public void AddFloat(float v)
    {
        Check(PhysicalType.Float);
        ValueLevel();
        _data.EnsureValues(1);
        _data.Floats![_data.ValueCount++] = v;
    }

    /// <summary>Adds a DOUBLE value.</summary>
    public void AddDouble(double v)
    {
        Check(PhysicalType.Double);
        ValueLevel();
        _data.EnsureValues(1);
        _data.Doubles![_data.ValueCount++] = v;
    }

    /// <summary>Adds a DATE value.</summary>
    public void AddDate(DateOnly v) => AddInt32(v.DayNumber - UnixEpochDayNumber);

    /// <summary>Adds a TIMESTAMP value in microseconds since the Unix epoch (UTC): local times are converted to UTC, unspecified ones taken as UTC.</summary>
    public void AddTimestamp(DateTime v)
    {
        if (v.Kind == DateTimeKind.Local) v = v.ToUniversalTime();
        AddInt64(FloorDiv(v.Ticks - DateTime.UnixEpoch.Ticks, 10));
    }

    private static long FloorDiv(long a, long b) => a / b - (a % b < 0 ? 1 : 0);

    /// <summary>Adds a TIMESTAMP value.</summary>
    public void AddTimestamp(DateTimeOffset v) => AddInt64(FloorDiv(v.UtcTicks - DateTime.UnixEpoch.Ticks, 10));

    /// <summary>Adds a string (UTF-8 encoded); null adds a null.</summary>
    public void AddString(string? v)
    {
        if (v == null) { AddNull(); return; }
        Check(PhysicalType.ByteArray);
        ValueLevel();
        var d = _data;
        d.EnsureValues(1);
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(v.Length);
        d.EnsureBytes(max);
        var start = d.Offsets![d.ValueCount];
        var n = System.Text.Encoding.UTF8.GetBytes(v, d.Bytes.AsSpan(start));
        d.Offsets[++d.ValueCount] = start + n;
    }

    /// <summary>Adds raw bytes (BYTE_ARRAY).</summary>
    public void AddBytes(ReadOnlySpan<byte> v)
    {
        Check(PhysicalType.ByteArray);
        ValueLevel();
        var d = _data;
        d.EnsureValues(1);
        d.EnsureBytes(v.Length);
        var start = d.Offsets![d.ValueCount];
        v.CopyTo(d.Bytes.AsSpan(start));
        d.Offsets[++d.ValueCount] = start + v.Length;
    }

    /// <summary>Returns the built column; the builder must not be used afterwards.</summary>
    public ColumnData Build()
    {
        if (_inList) throw new InvalidOperationException("a list was begun but not ended");
        return _data;
    }

    internal const int UnixEpochDayNumber = 719162; // DateOnly(1970,1,1).DayNumber
}
