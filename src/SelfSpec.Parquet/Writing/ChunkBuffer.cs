using System.Buffers;

namespace SelfSpec.Parquet.Writing;

/// <summary>A growable byte buffer rented from the shared pool.</summary>
internal sealed class ChunkBuffer : IDisposable
{
    private byte[] _buf;

    public ChunkBuffer(int capacity) => _buf = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

    public int Length { get; set; }

    public Span<byte> Written => _buf.AsSpan(0, Length);

    public Span<byte> GetSpan(int size)
    {
        if (Length + size > _buf.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)_buf.Length * 2, (long)Length + size)));
            _buf.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        return _buf.AsSpan(Length);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetSpan(data.Length));
        Length += data.Length;
    }

    public void Dispose()
    {
        if (_buf.Length > 0) ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
    }
}
