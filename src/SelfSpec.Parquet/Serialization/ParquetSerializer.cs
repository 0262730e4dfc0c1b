using System.Collections;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Writing;

namespace SelfSpec.Parquet.Serialization;

/// <summary>
/// Writes and reads C# records as Parquet rows. Each public property is a column named in snake_case (or by
/// <see cref="ParquetColumnAttribute"/>): bool, int, long, float, double, string, byte[], DateOnly, DateTime and
/// DateTimeOffset (TIMESTAMP micros, UTC), enums (STRING, by name), their nullables, and lists/arrays of them (LIST columns).
/// Non-nullable reference types (per nullable annotations) become REQUIRED columns.
/// </summary>
/// <example>
/// <code>
/// public sealed record Instruction(long Id, string Task, string Instruction, string? Input, string Output,
///                                  double RougeMax, IReadOnlyList&lt;string&gt; DocIds);
/// ParquetSerializer.Write("instructions.parquet", rows);
/// List&lt;Instruction&gt; back = ParquetSerializer.Read&lt;Instruction&gt;("instructions.parquet");
/// </code>
/// </example>
public static class ParquetSerializer
{
    /// <summary>The schema that <see cref="Write{T}"/> uses for <typeparamref name="T"/>.</summary>
    public static ParquetSchema SchemaOf<T>() => RecordMap.For(typeof(T)).Schema;

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/> atomically, streaming: rows are buffered only up to
    /// one row group (<see cref="ParquetWriterOptions.RowGroupRows"/> rows or <see cref="ParquetWriterOptions.RowGroupBytes"/> bytes).
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="rows">The rows, enumerated once.</param>
    /// <param name="options">Codec, row-group size, key/value metadata and so on.</param>
    /// <param name="cancellationToken">Stops between rows; nothing is left under <paramref name="path"/>.</param>
    /// <param name="progress">Receives the number of rows written after each row group.</param>
    public static void Write<T>(string path, IEnumerable<T> rows, ParquetWriterOptions? options = null, CancellationToken cancellationToken = default,
        IProgress<long>? progress = null)
    {
        options ??= new ParquetWriterOptions();
        var map = RecordMap.For(typeof(T));
        using var writer = new ParquetWriter(path, map.Schema, options);
        ColumnBuilder[]? builders = null;
        var count = 0;
        foreach (var row in rows)
        {
            if (row == null) throw new ArgumentException("rows must not contain null");
            builders ??= map.Schema.Columns.Select(c => new ColumnBuilder(c, Math.Min(options.RowGroupRows, 65536))).ToArray();
            for (var i = 0; i < builders.Length; i++)
            {
                try { map.Properties[i].Append(row, builders[i]); }
                catch (ArgumentException e) { throw new ArgumentException($"row {writer.RowCount + count}, {map.Properties[i].Describe()}: {e.Message}", e); }
            }
            count++;
            if (count >= options.RowGroupRows || (count % 1024 == 0 && builders.Sum(b => b.EstimatedBytes) >= options.RowGroupBytes))
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer.WriteRowGroup(builders.Select(b => b.Build()).ToList(), cancellationToken);
                progress?.Report(writer.RowCount);
                builders = null;
                count = 0;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (builders != null && count > 0)
        {
            writer.WriteRowGroup(builders.Select(b => b.Build()).ToList(), cancellationToken);
            progress?.Report(writer.RowCount);
        }
        writer.Commit();
    }

    /// <summary>Reads every row of <paramref name="path"/> into a list.</summary>
    /// <exception cref="ParquetFormatException">The file is not valid Parquet, or its schema does not match <typeparamref name="T"/>.</exception>
    public static List<T> Read<T>(string path) => ReadStream<T>(path).ToList();

    /// <summary>Reads the rows of <paramref name="path"/> lazily, one row group in memory at a time. Only the mapped columns are read.</summary>
    /// <param name="path">The Parquet file.</param>
    /// <param name="cancellationToken">Checked before each row group.</param>
    /// <param name="progress">Receives the number of rows decoded after each row group.</param>
    public static IEnumerable<T> ReadStream<T>(string path, CancellationToken cancellationToken = default, IProgress<long>? progress = null)
    {
        var map = RecordMap.For(typeof(T));
        using var reader = ParquetReader.Open(path);
        var readers = Bind(map, reader);
        var names = map.Properties.Select(p => p.Field.Name).ToList();
        long firstRow = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var group = reader.ReadRowGroup(g, names);
            var rows = (int)group.RowCount;
            var columns = new object?[map.Properties.Count][];
            for (var p = 0; p < map.Properties.Count; p++)
            {
                var top = reader.Schema.Find(names[p])!;
                var leaf = top.Leaves().First();
                try { columns[p] = Materialize(map.Properties[p], group.Columns.First(c => c.Column.Index == leaf.Index), top, readers[p], rows, path, g, firstRow); }
                catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or IndexOutOfRangeException or NullReferenceException)
                {
                    throw new ParquetFormatException($"corrupt or unrepresentable data: {e.Message}", path, g, names[p], e);
                }
            }
            for (var r = 0; r < rows; r++)
            {
                var args = new object?[map.Properties.Count];
                for (var p = 0; p < args.Length; p++) args[p] = columns[p][r];
                yield return Construct<T>(map, args);
            }
            firstRow += rows;
            progress?.Report(firstRow);
        }
    }

    private static T Construct<T>(RecordMap map, object?[] values)
    {
        try { return (T)map.Factory(values); }
        catch (InvalidCastException e) { throw new ParquetFormatException($"a value does not fit {map.Type.Name}: {e.Message}", kind: ParquetErrorKind.SchemaMismatch); }
    }

    private static Func<ColumnData, int, object>[] Bind(RecordMap map, ParquetReader reader)
    {
        var result = new Func<ColumnData, int, object>[map.Properties.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var prop = map.Properties[i];
            var name = prop.Field.Name;
            var node = reader.Schema.Find(name)
                ?? throw Mismatch(reader.FilePath, name, $"the file has no column '{name}' for property {prop.Describe()}; it has: {string.Join(", ", reader.Schema.TopLevel.Select(t => $"{t.Name} {t.DescribeType()}"))}");
            var wanted = prop.Field.IsList ? $"LIST<{prop.Field.Type.ToString().ToUpperInvariant()}>" : prop.Field.Type.ToString().ToUpperInvariant();
            ColumnDescriptor? leaf = null;
            if (prop.Field.IsList)
            {
                var element = node.ListElement();
                if (element is { IsLeaf: true } && element.Column!.MaxRepetitionLevel == 1) leaf = element.Column;
            }
            else if (node.IsLeaf && node.Repetition != Repetition.Repeated) leaf = node.Column;
            var read = leaf == null ? null : RecordMap.Reader(prop, leaf);
            result[i] = read ?? throw Mismatch(reader.FilePath, name,
                $"column '{name}' is {node.DescribeType()} in the file but property {map.Type.Name}.{prop.Property.Name} is {prop.Property.PropertyType.Name} (needs {wanted})");
        }
        return result;
    }

    private static ParquetFormatException Mismatch(string file, string column, string message) =>
        new(message, file, column: column, kind: ParquetErrorKind.SchemaMismatch);

    private static object?[] Materialize(PropertyMap prop, ColumnData d, SchemaNode top, Func<ColumnData, int, object> read, int rows, string path, int group, long firstRow)
    {
        var result = new object?[rows];
        var maxDef = d.Column.MaxDefinitionLevel;
        var defs = d.DefinitionLevels;
        var vi = 0;
        if (!prop.Field.IsList)
        {
            for (var r = 0; r < rows; r++)
            {
                if (defs == null || defs[r] == maxDef) result[r] = read(d, vi++);
                else if (!prop.Field.Nullable) throw Null(path, group, prop, firstRow + r);
            }
            return result;
        }
        var reps = d.RepetitionLevels!;
        var repeated = top.Children[0];
        var topDef = top.DefinitionLevel;
        var repDef = repeated.DefinitionLevel;
        var row = -1;
        IList? current = null;
        for (var i = 0; i < d.LevelCount; i++)
        {
            var def = d.DefinitionLevel(i);
            if (reps[i] == 0)
            {
                if (current != null) result[row] = Finish(prop, current);
                row++;
                current = null;
                if (def < topDef)
                {
                    if (!prop.Field.Nullable) throw Null(path, group, prop, firstRow + row);
                    continue;
                }
                current = prop.NewList!();
                if (def < repDef) continue;
            }
            if (def == maxDef) current!.Add(read(d, vi++));
            else if (!prop.Field.ElementNullable) throw Null(path, group, prop, firstRow + row);
            else current!.Add(null);
        }
        if (current != null) result[row] = Finish(prop, current);
        return result;
    }

    private static object Finish(PropertyMap prop, IList list)
    {
        if (!prop.ListType!.IsArray) return list;
        var a = Array.CreateInstance(prop.ListType.GetElementType()!, list.Count);
        list.CopyTo(a, 0);
        return a;
    }

    private static ParquetFormatException Null(string path, int group, PropertyMap prop, long row) =>
        new($"row {row} holds a null but property {prop.Property.DeclaringType!.Name}.{prop.Property.Name} ({prop.Property.PropertyType.Name}) is not nullable",
            path, group, prop.Field.Name, kind: ParquetErrorKind.SchemaMismatch);
}
