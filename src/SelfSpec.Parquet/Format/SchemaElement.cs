using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>One node of the flattened (depth-first) Parquet schema in the footer.</summary>
public sealed class SchemaElement
{
    /// <summary>Physical type; null for groups.</summary>
    public PhysicalType? Type { get; set; }
    /// <summary>Byte length of FIXED_LEN_BYTE_ARRAY.</summary>
    public int? TypeLength { get; set; }
    /// <summary>Repetition; null for the root in some writers.</summary>
    public Repetition? RepetitionType { get; set; }
    /// <summary>Field name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Number of children for groups.</summary>
    public int? NumChildren { get; set; }
    /// <summary>Legacy annotation.</summary>
    public ConvertedType? ConvertedType { get; set; }
    /// <summary>Decimal scale (legacy).</summary>
    public int? Scale { get; set; }
    /// <summary>Decimal precision (legacy).</summary>
    public int? Precision { get; set; }
    /// <summary>Field id.</summary>
    public int? FieldId { get; set; }
    /// <summary>Logical type annotation.</summary>
    public LogicalType? LogicalType { get; set; }

    internal static SchemaElement Read(ref ThriftCompactReader r)
    {
        var e = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: e.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when t == ThriftType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when t == ThriftType.I32: e.RepetitionType = (Repetition)r.ReadI32(); break;
                case 4 when t == ThriftType.Binary: e.Name = r.ReadString(); break;
                case 5 when t == ThriftType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when t == ThriftType.I32: e.ConvertedType = (ConvertedType)r.ReadI32(); break;
                case 7 when t == ThriftType.I32: e.Scale = r.ReadI32(); break;
                case 8 when t == ThriftType.I32: e.Precision = r.ReadI32(); break;
                case 9 when t == ThriftType.I32: e.FieldId = r.ReadI32(); break;
                case 10 when t == ThriftType.Struct: e.LogicalType = LogicalType.Read(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return e;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        if (Type != null) w.I32(1, (int)Type);
        if (TypeLength != null) w.I32(2, TypeLength.Value);
        if (RepetitionType != null) w.I32(3, (int)RepetitionType);
        w.String(4, Name);
        if (NumChildren != null) w.I32(5, NumChildren.Value);
        if (ConvertedType != null) w.I32(6, (int)ConvertedType);
        if (Scale != null) w.I32(7, Scale.Value);
        if (Precision != null) w.I32(8, Precision.Value);
        if (FieldId != null) w.I32(9, FieldId.Value);
        if (LogicalType != null)
        {
            w.StructField(10);
            LogicalType.Write(w);
        }
        w.EndStruct();
    }
}
