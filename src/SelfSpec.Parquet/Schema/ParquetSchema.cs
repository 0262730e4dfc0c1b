using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Schema;

/// <summary>The schema of a file: a tree of <see cref="SchemaNode"/> whose leaves are the columns.</summary>
public sealed class ParquetSchema
{
    /// <summary>Builds the writer's layout for the given top-level fields.</summary>
    public ParquetSchema(params IReadOnlyList<ParquetField> fields)
        : this(ToElements(fields), null)
    {
        Fields = fields;
    }

    internal ParquetSchema(IReadOnlyList<SchemaElement> elements, string? file)
    {
        if (elements.Count == 0) throw new ParquetFormatException("the schema has no root element", file);
        Elements = elements;
        Root = new SchemaNode(elements[0], null);
        var pos = 1;
        var columns = new List<ColumnDescriptor>();
        BuildChildren(Root, elements[0].NumChildren ?? 0, elements, ref pos, columns, file, 0);
        if (pos != elements.Count) throw new ParquetFormatException($"the schema has {elements.Count - pos} elements outside the tree", file);
        Columns = columns;
    }

    /// <summary>The root group.</summary>
    public SchemaNode Root { get; }

    /// <summary>Top-level fields (the table's columns).</summary>
    public IReadOnlyList<SchemaNode> TopLevel => Root.Children;

    /// <summary>All leaf columns in file order.</summary>
    public IReadOnlyList<ColumnDescriptor> Columns { get; }

    /// <summary>The writer fields this schema was built from; null for schemas read from files.</summary>
    public IReadOnlyList<ParquetField>? Fields { get; }

    /// <summary>The flattened elements as stored in the footer.</summary>
    public IReadOnlyList<SchemaElement> Elements { get; }

    /// <summary>The top-level node named <paramref name="name"/>, or null.</summary>
    public SchemaNode? Find(string name) => Root.Children.FirstOrDefault(c => c.Name == name);

    private static void BuildChildren(SchemaNode parent, int count, IReadOnlyList<SchemaElement> elements, ref int pos,
        List<ColumnDescriptor> columns, string? file, int depth)
    {
        if (depth > 64) throw new ParquetFormatException("the schema is nested too deeply", file);
        if (count < 0) throw new ParquetFormatException($"schema element '{parent.Name}' has a negative child count", file);
        for (var i = 0; i < count; i++)
        {
            if (pos >= elements.Count)
                throw new ParquetFormatException($"schema element '{parent.Name}' declares more children than the schema holds", file);
            var e = elements[pos++];
            var node = new SchemaNode(e, parent);
            parent.AddChild(node);
            if (e.Type != null)
            {
                if (e.Type is < PhysicalType.Boolean or > PhysicalType.FixedLenByteArray)
                    throw new ParquetFormatException($"column '{string.Join('.', node.Path)}' has unknown physical type {(int)e.Type}", file);
                if (e.Type == PhysicalType.FixedLenByteArray && (e.TypeLength is null or <= 0))
                    throw new ParquetFormatException($"column '{string.Join('.', node.Path)}' is FIXED_LEN_BYTE_ARRAY without a valid type_length", file);
                node.Column = new ColumnDescriptor(node, columns.Count);
                columns.Add(node.Column);
            }
            else
            {
                if ((e.NumChildren ?? 0) == 0) throw new ParquetFormatException($"schema element '{e.Name}' has neither a type nor children", file);
                BuildChildren(node, e.NumChildren!.Value, elements, ref pos, columns, file, depth + 1);
            }
        }
    }

    private static List<SchemaElement> ToElements(IReadOnlyList<ParquetField> fields)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<SchemaElement> { new() { Name = "schema", NumChildren = fields.Count } };
        foreach (var f in fields)
        {
            if (string.IsNullOrEmpty(f.Name)) throw new ArgumentException("a column name must not be empty");
            if (!names.Add(f.Name)) throw new ArgumentException($"column '{f.Name}' appears twice");
            if (!f.IsList)
            {
                list.Add(Leaf(f.Name, f.Type, f.Nullable));
                continue;
            }
            list.Add(new SchemaElement
            {
                Name = f.Name, RepetitionType = f.Nullable ? Repetition.Optional : Repetition.Required, NumChildren = 1,
                ConvertedType = ConvertedType.List, LogicalType = new LogicalType(LogicalTypeKind.List),
            });
            list.Add(new SchemaElement { Name = "list", RepetitionType = Repetition.Repeated, NumChildren = 1 });
            list.Add(Leaf("element", f.Type, f.ElementNullable));
        }
        return list;
    }

    private static SchemaElement Leaf(string name, ParquetType type, bool nullable)
    {
        var e = new SchemaElement { Name = name, RepetitionType = nullable ? Repetition.Optional : Repetition.Required };
        switch (type)
        {
            case ParquetType.Boolean: e.Type = PhysicalType.Boolean; break;
            case ParquetType.Int32: e.Type = PhysicalType.Int32; break;
            case ParquetType.Int64: e.Type = PhysicalType.Int64; break;
            case ParquetType.Float: e.Type = PhysicalType.Float; break;
            case ParquetType.Double: e.Type = PhysicalType.Double; break;
            case ParquetType.Binary: e.Type = PhysicalType.ByteArray; break;
            case ParquetType.String:
                e.Type = PhysicalType.ByteArray;
                e.ConvertedType = ConvertedType.Utf8;
                e.LogicalType = new LogicalType(LogicalTypeKind.String);
                break;
            case ParquetType.Date:
                e.Type = PhysicalType.Int32;
                e.ConvertedType = ConvertedType.Date;
                e.LogicalType = new LogicalType(LogicalTypeKind.Date);
                break;
            case ParquetType.Timestamp:
                e.Type = PhysicalType.Int64;
                e.ConvertedType = ConvertedType.TimestampMicros;
                e.LogicalType = new LogicalType(LogicalTypeKind.Timestamp) { Unit = TimeUnit.Micros, IsAdjustedToUtc = true };
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
        return e;
    }
}
