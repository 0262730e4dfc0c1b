using System.Runtime.CompilerServices;

namespace SelfSpec.Parquet.Encodings;

/// <summary>Decodes the RLE / bit-packed hybrid encoding (levels, dictionary indices, RLE booleans).</summary>
internal ref struct RleBitPackedDecoder
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _bitWidth;
    private readonly int _byteWidth;
    private int _pos;
    private int _rleLeft;
    private int _rleValue;
    private int _packedLeft;
    private int _packedBit; // bit offset into _data of the next packed value

    public RleBitPackedDecoder(ReadOnlySpan<byte> data, int bitWidth)
    {
        if (bitWidth is < 0 or > 32) throw new ParquetFormatException($"invalid RLE bit width {bitWidth}");
        _data = data;
        _bitWidth = bitWidth;
        _byteWidth = (bitWidth + 7) / 8;
        _pos = 0;
        _rleLeft = 0;
        _rleValue = 0;
        _packedLeft = 0;
        _packedBit = 0;
    }

    private bool NextRun()
    {
        if (_pos >= _data.Length) return false;
        ulong header = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (_pos >= _data.Length || shift > 35) throw new ParquetFormatException("corrupt RLE run header");
            var b = _data[_pos++];
            header |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        if ((header & 1) == 0)
        {
            var count = header >> 1;
            if (count == 0 || count > int.MaxValue) throw new ParquetFormatException("corrupt RLE run length");
            if (_pos + _byteWidth > _data.Length) throw new ParquetFormatException("RLE run runs past the end of the page");
            var v = 0;
            for (var i = 0; i < _byteWidth; i++) v |= _data[_pos + i] << (8 * i);
            _pos += _byteWidth;
            _rleLeft = (int)count;
            _rleValue = v;
        }
        else
        {
            var groups = header >> 1;
            var remaining = (ulong)(_data.Length - _pos);
            if (_bitWidth > 0 && groups > remaining) groups = remaining; // corrupt or truncated: clamp before multiplying
            if (groups > int.MaxValue / 8) groups = int.MaxValue / 8;
            var values = groups * 8;
            var bytes = groups * (ulong)_bitWidth;
            if (groups == 0 || bytes > remaining)
            {
                // Writers may truncate the final bit-packed run; take what is there.
                bytes = (ulong)(_data.Length - _pos);
                values = _bitWidth == 0 ? values : bytes * 8 / (ulong)_bitWidth;
                if (values == 0) throw new ParquetFormatException("bit-packed run runs past the end of the page");
            }
            _packedLeft = (int)Math.Min(values, int.MaxValue);
            _packedBit = _pos * 8;
            _pos += (int)bytes;
        }
        return true;
    }

    /// <summary>Fills <paramref name="dst"/>; throws when the data ends early.</summary>
    public void Read(Span<int> dst)
    {
        var i = 0;
        while (i < dst.Length)
        {
            if (_rleLeft > 0)
            {
                var n = Math.Min(_rleLeft, dst.Length - i);
                dst.Slice(i, n).Fill(_rleValue);
                i += n;
                _rleLeft -= n;
            }
            else if (_packedLeft > 0)
            {
                var n = Math.Min(_packedLeft, dst.Length - i);
                BitPacking.Unpack(_data[(_packedBit >> 3)..], _bitWidth, dst.Slice(i, n), n);
                _packedBit += n * _bitWidth;
                _packedLeft -= n;
                i += n;
            }
            else if (!NextRun()) throw new ParquetFormatException($"RLE data ended after {i} of {dst.Length} values");
        }
    }

    public void Read(Span<byte> dst)
    {
        var i = 0;
        while (i < dst.Length)
        {
            if (_rleLeft > 0)
            {
                var n = Math.Min(_rleLeft, dst.Length - i);
                dst.Slice(i, n).Fill((byte)_rleValue);
                i += n;
                _rleLeft -= n;
            }
            else if (_packedLeft > 0)
            {
                var n = Math.Min(_packedLeft, dst.Length - i);
                if (_bitWidth > 8) throw new ParquetFormatException("level bit width above 8 is not supported");
                BitPacking.Unpack(_data[(_packedBit >> 3)..], _bitWidth, dst.Slice(i, n), n);
                _packedBit += n * _bitWidth;
                _packedLeft -= n;
                i += n;
            }
            else if (!NextRun()) throw new ParquetFormatException($"RLE data ended after {i} of {dst.Length} values");
        }
    }
}
