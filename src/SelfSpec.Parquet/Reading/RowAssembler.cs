using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Parquet.Reading;

/// <summary>
/// Rebuilds rows (records) from leaf columns for any nesting: lists (two- and three-level), structs, maps and
/// lists of lists. Lists become <see cref="List{T}"/> of object, structs and map entries become
/// ordered <see cref="Dictionary{TKey,TValue}"/> (string keys). Leaf values come from a caller-supplied converter.
/// </summary>
public static class RowAssembler
{
    /// <summary>
    /// Assembles the rows of <paramref name="group"/>: one dictionary per row, keyed by top-level column name, holding
    /// only the top-level columns whose leaves were all read.
    /// </summary>
    /// <param name="schema">The file's schema.</param>
    /// <param name="group">The decoded columns.</param>
    /// <param name="leaf">Converts value i of a leaf column.</param>
    /// <param name="maxRows">Assemble only the first rows (e.g. for a preview).</param>
    public static List<Dictionary<string, object?>> Assemble(ParquetSchema schema, RowGroupData group, Func<ColumnData, int, object?> leaf, int? maxRows = null)
    {
        var rows = (int)Math.Min(group.RowCount, maxRows ?? int.MaxValue);
        var result = new List<Dictionary<string, object?>>(rows);
        for (var i = 0; i < rows; i++) result.Add(new Dictionary<string, object?>(schema.TopLevel.Count));
        var byIndex = group.Columns.ToDictionary(c => c.Column.Index);
        foreach (var top in schema.TopLevel)
        {
            var leaves = top.Leaves().ToList();
            if (!leaves.All(l => byIndex.ContainsKey(l.Index))) continue;
            var cursors = leaves.Select(l => new Cursor(byIndex[l.Index], PathFrom(top, l.Node), leaf)).ToArray();
            var vals = new object?[cursors.Length];
            for (var r = 0; r < rows; r++)
            {
                for (var k = 0; k < cursors.Length; k++)
                {
                    if (cursors[k].Pos >= cursors[k].Data.LevelCount)
                        throw new ParquetFormatException($"column '{cursors[k].Data.Column.DottedPath}' has fewer rows than its row group ({rows})");
                    vals[k] = cursors[k].NodeValue(0);
                }
                result[r][top.Name] = MergeNode(top, vals, 0, cursors.Length);
            }
        }
        return result;
    }

    private static SchemaNode[] PathFrom(SchemaNode top, SchemaNode leaf)
    {
        var list = new List<SchemaNode>();
        for (var n = leaf; n != top.Parent; n = n.Parent!) list.Add(n);
        list.Reverse();
        return [.. list];
    }

    private static object? MergeNode(SchemaNode n, object?[] vals, int from, int count)
    {
        if (n.Repetition == Repetition.Repeated)
        {
            var first = vals[from] as List<object?> ?? throw Disagree(n);
            var list = new List<object?>(first.Count);
            var slice = new object?[vals.Length];
            for (var k = from; k < from + count; k++)
                if (vals[k] is not List<object?> other || other.Count != first.Count) throw Disagree(n);
            for (var j = 0; j < first.Count; j++)
            {
                for (var k = from; k < from + count; k++) slice[k] = ((List<object?>)vals[k]!)[j];
                list.Add(MergeInner(n, slice, from, count));
            }
            return list;
        }
        if (n.Repetition == Repetition.Optional && vals[from] == null)
        {
            for (var k = from + 1; k < from + count; k++) if (vals[k] != null) throw Disagree(n);
            return null;
        }
        return MergeInner(n, vals, from, count);
    }

    private static object? MergeInner(SchemaNode n, object?[] vals, int from, int count)
    {
        if (n.IsLeaf) return vals[from];
        // Each leaf's value for a present group is wrapped, so a null group differs from a group of nulls.
        var inner = new object?[vals.Length];
        for (var k = from; k < from + count; k++) inner[k] = (vals[k] as Present ?? throw Disagree(n)).Value;
        vals = inner;
        var dict = new Dictionary<string, object?>(n.Children.Count);
        var at = from;
        foreach (var c in n.Children)
        {
            var leafCount = c.Leaves().Count();
            dict[c.Name] = MergeNode(c, vals, at, leafCount);
            at += leafCount;
        }
        var element = n.ListElement();
        if (element != null)
        {
            var repeated = n.Children[0];
            var list = dict[repeated.Name] as List<object?> ?? throw Disagree(n);
            if (element != repeated)
                for (var i = 0; i < list.Count; i++) list[i] = (list[i] as Dictionary<string, object?> ?? throw Disagree(n))[element.Name];
            return list;
        }
        if (n.IsMapAnnotated && n.Children.Count == 1 && n.Children[0].Repetition == Repetition.Repeated)
            return dict[n.Children[0].Name];
        return dict;
    }

    private static ParquetFormatException Disagree(SchemaNode n) =>
        new($"the columns under '{string.Join('.', n.Path)}' disagree about its structure (corrupt levels)");

    private sealed record Present(object? Value);

    private sealed class Cursor(ColumnData data, SchemaNode[] nodes, Func<ColumnData, int, object?> leaf)
    {
        public readonly ColumnData Data = data;
        public int Pos;
        private int _valueIndex;
        private readonly int _last = nodes.Length - 1;

        public object? NodeValue(int i)
        {
            var n = nodes[i];
            if (n.Repetition == Repetition.Repeated)
            {
                if (Data.DefinitionLevel(Pos) < n.DefinitionLevel)
                {
                    Pos++;
                    return new List<object?>();
                }
                var list = new List<object?>();
                while (true)
                {
                    list.Add(Inner(i));
                    if (Pos < Data.LevelCount && Data.RepetitionLevel(Pos) == n.RepetitionLevel) continue;
                    break;
                }
                return list;
            }
            if (n.Repetition == Repetition.Optional && Data.DefinitionLevel(Pos) < n.DefinitionLevel)
            {
                Pos++;
                return null;
            }
            return Inner(i);
        }

        private object? Inner(int i)
        {
            if (i < _last) return new Present(NodeValue(i + 1));
            if (_valueIndex >= Data.ValueCount) throw new ParquetFormatException($"column '{Data.Column.DottedPath}' has fewer values than its definition levels announce");
            object? v;
            try { v = leaf(Data, _valueIndex++); }
            catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or ArgumentException)
            {
                throw new ParquetFormatException($"value {_valueIndex - 1} cannot be represented: {e.Message}", column: Data.Column.DottedPath);
            }
            Pos++;
            return v;
        }
    }
}
