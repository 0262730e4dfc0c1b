using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>Column chunk or page statistics, values in PLAIN encoding of the physical type.</summary>
public sealed class Statistics
{
    /// <summary>Deprecated max (signed byte order for some writers).</summary>
    public byte[]? MaxDeprecated { get; set; }
    /// <summary>Deprecated min.</summary>
    public byte[]? MinDeprecated { get; set; }
    /// <summary>Number of nulls.</summary>
    public long? NullCount { get; set; }
    /// <summary>Number of distinct values.</summary>
    public long? DistinctCount { get; set; }
    /// <summary>Max value.</summary>
    public byte[]? MaxValue { get; set; }
    /// <summary>Min value.</summary>
    public byte[]? MinValue { get; set; }
    /// <summary>Whether max is the true max (not truncated).</summary>
    public bool? IsMaxValueExact { get; set; }
    /// <summary>Whether min is the true min.</summary>
    public bool? IsMinValueExact { get; set; }

    internal static Statistics Read(ref ThriftCompactReader r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.Binary: s.MaxDeprecated = r.ReadBinaryArray(); break;
                case 2 when t == ThriftType.Binary: s.MinDeprecated = r.ReadBinaryArray(); break;
                case 3 when t == ThriftType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when t == ThriftType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when t == ThriftType.Binary: s.MaxValue = r.ReadBinaryArray(); break;
                case 6 when t == ThriftType.Binary: s.MinValue = r.ReadBinaryArray(); break;
                case 7 when t is ThriftType.BooleanTrue or ThriftType.BooleanFalse: s.IsMaxValueExact = r.ReadBool(t); break;
                case 8 when t is ThriftType.BooleanTrue or ThriftType.BooleanFalse: s.IsMinValueExact = r.ReadBool(t); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return s;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        if (MaxDeprecated != null) w.Binary(1, MaxDeprecated);
        if (MinDeprecated != null) w.Binary(2, MinDeprecated);
        if (NullCount != null) w.I64(3, NullCount.Value);
        if (DistinctCount != null) w.I64(4, DistinctCount.Value);
        if (MaxValue != null) w.Binary(5, MaxValue);
        if (MinValue != null) w.Binary(6, MinValue);
        if (IsMaxValueExact != null) w.Bool(7, IsMaxValueExact.Value);
        if (IsMinValueExact != null) w.Bool(8, IsMinValueExact.Value);
        w.EndStruct();
    }
}
