using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SelfSpec.Parquet.Writing;

/// <summary>Open-addressing hash set of byte strings that live in a column's byte buffer; assigns dictionary indices.</summary>
internal sealed class ByteArrayDictionary
{
    private readonly byte[] _bytes;
    private int[] _buckets;
    private int[] _starts;
    private int[] _lengths;
    private uint[] _hashes;

    public ByteArrayDictionary(byte[] bytes, int capacity)
    {
        _bytes = bytes;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        _buckets = new int[size];
        _buckets.AsSpan().Fill(-1);
        _starts = new int[capacity];
        _lengths = new int[capacity];
        _hashes = new uint[capacity];
    }

    public int Count { get; private set; }

    public long ByteSize { get; private set; }

    public ReadOnlySpan<byte> Get(int index) => _bytes.AsSpan(_starts[index], _lengths[index]);

    public int GetOrAdd(int start, int length)
    {
        var span = _bytes.AsSpan(start, length);
        var h = Hash(span);
        var mask = _buckets.Length - 1;
        var b = (int)h & mask;
        while (true)
        {
            var e = _buckets[b];
            if (e < 0) break;
            if (_hashes[e] == h && _lengths[e] == length && _bytes.AsSpan(_starts[e], length).SequenceEqual(span)) return e;
            b = (b + 1) & mask;
        }
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
            Array.Resize(ref _hashes, Count * 2);
        }
        var id = Count++;
        _starts[id] = start;
        _lengths[id] = length;
        _hashes[id] = h;
        _buckets[b] = id;
        ByteSize += length + 4;
        if (Count * 2 > _buckets.Length) Rehash();
        return id;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        _buckets.AsSpan().Fill(-1);
        var mask = _buckets.Length - 1;
        for (var i = 0; i < Count; i++)
        {
            var b = (int)_hashes[i] & mask;
            while (_buckets[b] >= 0) b = (b + 1) & mask;
            _buckets[b] = i;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> s)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)s.Length;
        var i = 0;
        for (; i + 8 <= s.Length; i += 8)
            h = BitOperations.RotateLeft((h ^ BinaryPrimitives.ReadUInt64LittleEndian(s[i..])) * 0xFF51AFD7ED558CCDUL, 29);
        ulong tail = 0;
        for (var k = 0; i < s.Length; i++, k += 8) tail |= (ulong)s[i] << k;
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 32;
        return (uint)h;
    }
}
