using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>Kinds of Parquet logical type annotation.</summary>
public enum LogicalTypeKind
{
    /// <summary>UTF-8 string.</summary>
    String = 1,
    /// <summary>Map.</summary>
    Map = 2,
    /// <summary>List.</summary>
    List = 3,
    /// <summary>Enum.</summary>
    Enum = 4,
    /// <summary>Decimal.</summary>
    Decimal = 5,
    /// <summary>Date.</summary>
    Date = 6,
    /// <summary>Time of day.</summary>
    Time = 7,
    /// <summary>Timestamp.</summary>
    Timestamp = 8,
    /// <summary>Sized integer.</summary>
    Integer = 10,
    /// <summary>Always null.</summary>
    Unknown = 11,
    /// <summary>JSON.</summary>
    Json = 12,
    /// <summary>BSON.</summary>
    Bson = 13,
    /// <summary>UUID.</summary>
    Uuid = 14,
    /// <summary>Half float.</summary>
    Float16 = 15,
    /// <summary>A kind this library does not know.</summary>
    Other = 100,
}

/// <summary>Time units of TIME and TIMESTAMP.</summary>
public enum TimeUnit
{
    /// <summary>Milliseconds.</summary>
    Millis = 1,
    /// <summary>Microseconds.</summary>
    Micros = 2,
    /// <summary>Nanoseconds.</summary>
    Nanos = 3,
}

/// <summary>A logical type annotation (the Thrift union LogicalType).</summary>
public sealed record LogicalType(LogicalTypeKind Kind)
{
    /// <summary>DECIMAL scale.</summary>
    public int Scale { get; init; }
    /// <summary>DECIMAL precision.</summary>
    public int Precision { get; init; }
    /// <summary>TIME/TIMESTAMP: adjusted to UTC.</summary>
    public bool IsAdjustedToUtc { get; init; }
    /// <summary>TIME/TIMESTAMP unit.</summary>
    public TimeUnit Unit { get; init; }
    /// <summary>INTEGER bit width.</summary>
    public int BitWidth { get; init; }
    /// <summary>INTEGER signedness.</summary>
    public bool IsSigned { get; init; }

    internal static LogicalType Read(ref ThriftCompactReader r)
    {
        LogicalType? result = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (t != ThriftType.Struct) { r.Skip(t); continue; }
            switch (id)
            {
                case 5:
                {
                    int scale = 0, precision = 0;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == ThriftType.I32) scale = r.ReadI32();
                        else if (fid == 2 && ft == ThriftType.I32) precision = r.ReadI32();
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new LogicalType(LogicalTypeKind.Decimal) { Scale = scale, Precision = precision };
                    break;
                }
                case 7:
                case 8:
                {
                    bool utc = false;
                    var unit = TimeUnit.Micros;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft is ThriftType.BooleanTrue or ThriftType.BooleanFalse) utc = r.ReadBool(ft);
                        else if (fid == 2 && ft == ThriftType.Struct)
                        {
                            r.BeginStruct();
                            while (r.NextField(out var uid, out var ut))
                            {
                                if (uid is >= 1 and <= 3) unit = (TimeUnit)uid;
                                r.Skip(ut);
                            }
                            r.EndStruct();
                        }
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new LogicalType(id == 7 ? LogicalTypeKind.Time : LogicalTypeKind.Timestamp) { IsAdjustedToUtc = utc, Unit = unit };
                    break;
                }
                case 10:
                {
                    int bits = 0;
                    bool signed = true;
                    r.BeginStruct();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == ThriftType.Byte) bits = r.ReadByte();
                        else if (fid == 2 && ft is ThriftType.BooleanTrue or ThriftType.BooleanFalse) signed = r.ReadBool(ft);
                        else r.Skip(ft);
                    }
                    r.EndStruct();
                    result = new LogicalType(LogicalTypeKind.Integer) { BitWidth = bits, IsSigned = signed };
                    break;
                }
                default:
                    r.Skip(t);
                    result = Enum.IsDefined((LogicalTypeKind)id) ? new LogicalType((LogicalTypeKind)id) : new LogicalType(LogicalTypeKind.Other);
                    break;
            }
        }
        r.EndStruct();
        return result ?? new LogicalType(LogicalTypeKind.Other);
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.StructField((short)Kind);
        w.BeginStruct();
        switch (Kind)
        {
            case LogicalTypeKind.Decimal:
                w.I32(1, Scale);
                w.I32(2, Precision);
                break;
            case LogicalTypeKind.Time:
            case LogicalTypeKind.Timestamp:
                w.Bool(1, IsAdjustedToUtc);
                w.StructField(2);
                w.BeginStruct();
                w.StructField((short)Unit);
                w.BeginStruct();
                w.EndStruct();
                w.EndStruct();
                break;
            case LogicalTypeKind.Integer:
                w.Byte(1, (sbyte)BitWidth);
                w.Bool(2, IsSigned);
                break;
        }
        w.EndStruct();
        w.EndStruct();
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        LogicalTypeKind.Decimal => $"DECIMAL({Precision},{Scale})",
        LogicalTypeKind.Timestamp => $"TIMESTAMP({Unit.ToString().ToUpperInvariant()}, utc={IsAdjustedToUtc.ToString().ToLowerInvariant()})",
        LogicalTypeKind.Time => $"TIME({Unit.ToString().ToUpperInvariant()}, utc={IsAdjustedToUtc.ToString().ToLowerInvariant()})",
        LogicalTypeKind.Integer => $"INT({BitWidth}, {(IsSigned ? "signed" : "unsigned")})",
        _ => Kind.ToString().ToUpperInvariant(),
    };
}
