using SelfSpec.Parquet.Data;

namespace SelfSpec.Parquet.Reading;

/// <summary>The decoded columns of one row group.</summary>
/// <param name="Index">Row group index.</param>
/// <param name="RowCount">Rows in the group.</param>
/// <param name="Columns">Decoded leaf columns, in file order.</param>
public sealed record RowGroupData(int Index, long RowCount, IReadOnlyList<ColumnData> Columns)
{
    /// <summary>The leaf column with this dotted path, or the only leaf under this top-level name.</summary>
    public ColumnData this[string name] =>
        Columns.FirstOrDefault(c => c.Column.DottedPath == name)
        ?? Columns.SingleOrDefault(c => c.Column.Path[0] == name)
        ?? throw new KeyNotFoundException($"no column '{name}' was read in this row group");
}
