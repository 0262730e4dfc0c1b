using System.Buffers.Binary;
using System.Text;

namespace SelfSpec.Parquet.Thrift;

/// <summary>Writes the Thrift compact protocol into a growable buffer.</summary>
internal sealed class ThriftCompactWriter
{
    private byte[] _buf = new byte[256];
    private int _len;
    private short _lastFieldId;
    private readonly Stack<short> _fieldIds = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);

    public void Clear()
    {
        _len = 0;
        _lastFieldId = 0;
        _fieldIds.Clear();
    }

    public void BeginStruct()
    {
        _fieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        WriteRawByte(0);
        _lastFieldId = _fieldIds.Pop();
    }

    public void FieldHeader(short id, ThriftType type)
    {
        var delta = id - _lastFieldId;
        if (delta is > 0 and <= 15) WriteRawByte((byte)((delta << 4) | (byte)type));
        else
        {
            WriteRawByte((byte)type);
            WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? ThriftType.BooleanTrue : ThriftType.BooleanFalse);

    public void I32(short id, int value)
    {
        FieldHeader(id, ThriftType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, ThriftType.I64);
        WriteVarint(ZigZag(value));
    }

    public void Byte(short id, sbyte value)
    {
        FieldHeader(id, ThriftType.Byte);
        WriteRawByte((byte)value);
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, ThriftType.Binary);
        RawBinary(value);
    }

    public void String(short id, string value)
    {
        FieldHeader(id, ThriftType.Binary);
        RawString(value);
    }

    public void RawBinary(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buf.AsSpan(_len));
        _len += value.Length;
    }

    public void RawString(string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)n);
        Ensure(n);
        _len += Encoding.UTF8.GetBytes(value, _buf.AsSpan(_len));
    }

    public void RawI32(int value) => WriteVarint(ZigZag(value));

    public void ListHeader(short id, ThriftType elementType, int count)
    {
        FieldHeader(id, ThriftType.List);
        if (count < 15) WriteRawByte((byte)((count << 4) | (byte)elementType));
        else
        {
            WriteRawByte((byte)(0xF0 | (byte)elementType));
            WriteVarint((ulong)count);
        }
    }

    public void StructField(short id) => FieldHeader(id, ThriftType.Struct);

    private void WriteRawByte(byte b)
    {
        Ensure(1);
        _buf[_len++] = b;
    }

    private void WriteVarint(ulong v)
    {
        Ensure(10);
        while (v >= 0x80)
        {
            _buf[_len++] = (byte)(v | 0x80);
            v >>= 7;
        }
        _buf[_len++] = (byte)v;
    }

    public void RawDouble(double v)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buf.AsSpan(_len), v);
        _len += 8;
    }

    private static ulong ZigZag(long n) => (ulong)((n << 1) ^ (n >> 63));

    private void Ensure(int extra)
    {
        if (_len + extra <= _buf.Length) return;
        Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + extra));
    }
}
