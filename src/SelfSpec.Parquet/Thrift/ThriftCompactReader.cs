using System.Buffers.Binary;
using System.Text;

namespace SelfSpec.Parquet.Thrift;

/// <summary>
/// Reads the Thrift compact protocol from a byte span. Every read is bounds-checked and every malformed
/// input raises <see cref="ParquetFormatException"/>, so a corrupt footer never escapes as IndexOutOfRange.
/// </summary>
internal ref struct ThriftCompactReader
{
    private const int MaxDepth = 64;
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private short _lastFieldId;
    private bool _pendingBool;
    private int _depth;
    private FieldIdStack _fieldIds;

    public ThriftCompactReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
        _lastFieldId = 0;
        _pendingBool = false;
        _depth = 0;
        _fieldIds = default;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _pos;

    public void BeginStruct()
    {
        if (_depth >= MaxDepth) throw Corrupt("structures nested too deeply");
        _fieldIds[_depth++] = _lastFieldId;
        _lastFieldId = 0;
    }

    public void EndStruct() => _lastFieldId = _fieldIds[--_depth];

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out ThriftType type)
    {
        var b = ReadRawByte();
        if (b == 0) { id = 0; type = ThriftType.Stop; return false; }
        type = (ThriftType)(b & 0x0F);
        if (type > ThriftType.Struct) throw Corrupt($"invalid Thrift type id {(int)type}");
        var delta = b >> 4;
        id = delta == 0 ? ReadI16() : (short)(_lastFieldId + delta);
        _lastFieldId = id;
        if (type is ThriftType.BooleanTrue or ThriftType.BooleanFalse) _pendingBool = type == ThriftType.BooleanTrue;
        return true;
    }

    public bool ReadBool(ThriftType fieldType) => fieldType switch
    {
        ThriftType.BooleanTrue or ThriftType.BooleanFalse => _pendingBool,
        _ => ReadRawByte() == 1,
    };

    public sbyte ReadByte() => (sbyte)ReadRawByte();

    public short ReadI16() => (short)ZigZag32(ReadVarint32());

    public int ReadI32() => ZigZag32(ReadVarint32());

    public long ReadI64() => ZigZag64(ReadVarint64());

    public double ReadDouble()
    {
        Need(8);
        var v = BinaryPrimitives.ReadDoubleLittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadBinary()
    {
        var len = ReadVarint32();
        if (len < 0 || len > _data.Length - _pos) throw Corrupt($"binary length {(uint)len} runs past the end of the data");
        var s = _data.Slice(_pos, len);
        _pos += len;
        return s;
    }

    public byte[] ReadBinaryArray() => ReadBinary().ToArray();

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    public int ReadListHeader(out ThriftType elementType)
    {
        var b = ReadRawByte();
        elementType = (ThriftType)(b & 0x0F);
        if (elementType > ThriftType.Struct) throw Corrupt($"invalid Thrift list element type {(int)elementType}");
        var size = b >> 4;
        if (size == 15) size = ReadVarint32();
        if (size < 0 || size > _data.Length - _pos) throw Corrupt($"list size {(uint)size} is larger than the remaining data");
        return size;
    }

    /// <summary>Skips a value of the given type (unknown fields).</summary>
    public void Skip(ThriftType type)
    {
        if (_depth >= MaxDepth) throw Corrupt("structures nested too deeply");
        switch (type)
        {
            case ThriftType.BooleanTrue:
            case ThriftType.BooleanFalse:
                break;
            case ThriftType.Byte: ReadRawByte(); break;
            case ThriftType.I16:
            case ThriftType.I32: ReadVarint32(); break;
            case ThriftType.I64: ReadVarint64(); break;
            case ThriftType.Double: Need(8); _pos += 8; break;
            case ThriftType.Binary: ReadBinary(); break;
            case ThriftType.List:
            case ThriftType.Set:
            {
                var n = ReadListHeader(out var et);
                for (var i = 0; i < n; i++)
                {
                    if (et is ThriftType.BooleanTrue or ThriftType.BooleanFalse) ReadRawByte();
                    else Skip(et);
                }
                break;
            }
            case ThriftType.Map:
            {
                var n = ReadVarint32();
                if (n < 0 || n > _data.Length - _pos) throw Corrupt("map size larger than the remaining data");
                if (n == 0) break;
                var kv = ReadRawByte();
                var kt = (ThriftType)(kv >> 4);
                var vt = (ThriftType)(kv & 0x0F);
                for (var i = 0; i < n; i++) { SkipElement(kt); SkipElement(vt); }
                break;
            }
            case ThriftType.Struct:
                BeginStruct();
                while (NextField(out _, out var ft)) Skip(ft);
                EndStruct();
                break;
            default:
                throw Corrupt($"invalid Thrift type id {(int)type}");
        }
    }

    private void SkipElement(ThriftType t)
    {
        if (t is ThriftType.BooleanTrue or ThriftType.BooleanFalse) ReadRawByte();
        else Skip(t);
    }

    private readonly void Need(int n)
    {
        if (n > _data.Length - _pos) throw Corrupt("unexpected end of Thrift data");
    }

    private byte ReadRawByte()
    {
        if (_pos >= _data.Length) throw Corrupt("unexpected end of Thrift data");
        return _data[_pos++];
    }

    private int ReadVarint32() => (int)ReadVarint64();

    private ulong ReadVarint64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadRawByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Corrupt("varint longer than 10 bytes");
    }

    private static int ZigZag32(int n) => (int)((uint)n >> 1) ^ -(n & 1);

    private static long ZigZag64(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    private readonly ParquetFormatException Corrupt(string what) =>
        new($"corrupt Thrift metadata at byte {_pos}: {what}");

    [System.Runtime.CompilerServices.InlineArray(64)]
    private struct FieldIdStack
    {
        private short _element;
    }
}
