using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>A key/value metadata entry.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value, possibly absent.</param>
public sealed record KeyValue(string Key, string? Value)
{
    internal static KeyValue Read(ref ThriftCompactReader r)
    {
        string key = "";
        string? value = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            if (id == 1 && t == ThriftType.Binary) key = r.ReadString();
            else if (id == 2 && t == ThriftType.Binary) value = r.ReadString();
            else r.Skip(t);
        }
        r.EndStruct();
        return new KeyValue(key, value);
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.String(1, Key);
        if (Value != null) w.String(2, Value);
        w.EndStruct();
    }
}
