using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Schema;

/// <summary>A leaf (primitive) column of the schema, with its levels and type annotations.</summary>
public sealed class ColumnDescriptor
{
    internal ColumnDescriptor(SchemaNode node, int index)
    {
        Node = node;
        Index = index;
        Path = node.Path;
        DottedPath = string.Join('.', node.Path);
        PhysicalType = node.Element.Type!.Value;
        TypeLength = node.Element.TypeLength ?? 0;
        MaxDefinitionLevel = node.DefinitionLevel;
        MaxRepetitionLevel = node.RepetitionLevel;
        LogicalType = node.Element.LogicalType ?? FromConverted(node.Element);
    }

    /// <summary>The schema node.</summary>
    public SchemaNode Node { get; }

    /// <summary>Position among the leaf columns (the column chunk index in each row group).</summary>
    public int Index { get; }

    /// <summary>Path from the root.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>Path joined with dots, e.g. <c>doc_ids.list.element</c>.</summary>
    public string DottedPath { get; }

    /// <summary>Physical type.</summary>
    public PhysicalType PhysicalType { get; }

    /// <summary>FIXED_LEN_BYTE_ARRAY width.</summary>
    public int TypeLength { get; }

    /// <summary>Maximum definition level.</summary>
    public int MaxDefinitionLevel { get; }

    /// <summary>Maximum repetition level.</summary>
    public int MaxRepetitionLevel { get; }

    /// <summary>Logical type, from the logical annotation or derived from the converted type.</summary>
    public LogicalType? LogicalType { get; }

    /// <summary>A readable type such as <c>STRING</c>, <c>INT64</c>, <c>DECIMAL(9,2)</c>.</summary>
    public string DescribeType()
    {
        var lt = LogicalType;
        if (lt == null) return PhysicalType switch
        {
            PhysicalType.ByteArray => "BINARY",
            PhysicalType.FixedLenByteArray => $"FIXED_LEN_BYTE_ARRAY({TypeLength})",
            PhysicalType.Int96 => "INT96",
            _ => PhysicalType.ToString().ToUpperInvariant(),
        };
        return lt.Kind switch
        {
            LogicalTypeKind.Integer => $"{(lt.IsSigned ? "" : "U")}INT{lt.BitWidth}",
            LogicalTypeKind.Timestamp => $"TIMESTAMP({lt.Unit.ToString().ToUpperInvariant()}{(lt.IsAdjustedToUtc ? ", UTC" : "")})",
            LogicalTypeKind.Time => $"TIME({lt.Unit.ToString().ToUpperInvariant()})",
            _ => lt.ToString(),
        };
    }

    private static LogicalType? FromConverted(SchemaElement e) => e.ConvertedType switch
    {
        ConvertedType.Utf8 => new LogicalType(LogicalTypeKind.String),
        ConvertedType.Enum => new LogicalType(LogicalTypeKind.Enum),
        ConvertedType.Json => new LogicalType(LogicalTypeKind.Json),
        ConvertedType.Bson => new LogicalType(LogicalTypeKind.Bson),
        ConvertedType.Date => new LogicalType(LogicalTypeKind.Date),
        ConvertedType.Decimal => new LogicalType(LogicalTypeKind.Decimal) { Scale = e.Scale ?? 0, Precision = e.Precision ?? 0 },
        ConvertedType.TimeMillis => new LogicalType(LogicalTypeKind.Time) { Unit = TimeUnit.Millis, IsAdjustedToUtc = true },
        ConvertedType.TimeMicros => new LogicalType(LogicalTypeKind.Time) { Unit = TimeUnit.Micros, IsAdjustedToUtc = true },
        // Legacy-only timestamps are read as local (no zone), as DuckDB does.
        ConvertedType.TimestampMillis => new LogicalType(LogicalTypeKind.Timestamp) { Unit = TimeUnit.Millis, IsAdjustedToUtc = false },
        ConvertedType.TimestampMicros => new LogicalType(LogicalTypeKind.Timestamp) { Unit = TimeUnit.Micros, IsAdjustedToUtc = false },
        ConvertedType.Int8 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 8, IsSigned = true },
        ConvertedType.Int16 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 16, IsSigned = true },
        ConvertedType.Int32 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 32, IsSigned = true },
        ConvertedType.Int64 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 64, IsSigned = true },
        ConvertedType.UInt8 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 8, IsSigned = false },
        ConvertedType.UInt16 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 16, IsSigned = false },
        ConvertedType.UInt32 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 32, IsSigned = false },
        ConvertedType.UInt64 => new LogicalType(LogicalTypeKind.Integer) { BitWidth = 64, IsSigned = false },
        _ => null,
    };

    /// <inheritdoc />
    public override string ToString() => $"{DottedPath}: {DescribeType()}";
}
