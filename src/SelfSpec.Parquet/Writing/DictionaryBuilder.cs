using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Writing;

/// <summary>Builds a column chunk's dictionary and value indices, or gives up when the dictionary would not pay off.</summary>
internal static class DictionaryBuilder
{
    /// <summary>
    /// Fills <paramref name="indices"/> (one per value) and returns the PLAIN-encoded dictionary, or null to fall back to
    /// PLAIN: when the dictionary grows past <paramref name="maxBytes"/> or most values are distinct.
    /// </summary>
    public static ChunkBuffer? TryBuild(ColumnData data, int[] indices, int maxBytes, out int count)
    {
        count = 0;
        return data.Column.PhysicalType switch
        {
            PhysicalType.ByteArray => ByteArrays(data, indices, maxBytes, out count),
            PhysicalType.Int32 => Numbers(data, MemoryMarshal.Cast<int, uint>(data.Int32s.AsSpan(0, data.ValueCount)), 4, indices, maxBytes, out count),
            PhysicalType.Float => Numbers(data, MemoryMarshal.Cast<float, uint>(data.Floats.AsSpan(0, data.ValueCount)), 4, indices, maxBytes, out count),
            PhysicalType.Int64 => Numbers(data, MemoryMarshal.Cast<long, ulong>(data.Int64s.AsSpan(0, data.ValueCount)), 8, indices, maxBytes, out count),
            PhysicalType.Double => Numbers(data, MemoryMarshal.Cast<double, ulong>(data.Doubles.AsSpan(0, data.ValueCount)), 8, indices, maxBytes, out count),
            _ => null,
        };
    }

    private static bool MostlyDistinct(int processed, int distinct) =>
        (processed == 1024 || processed == 16384 || processed == 131072) && distinct > processed / 2;

    private static ChunkBuffer? ByteArrays(ColumnData data, int[] indices, int maxBytes, out int count)
    {
        count = 0;
        var offsets = data.Offsets!;
        var dict = new ByteArrayDictionary(data.Bytes!, Math.Min(data.ValueCount, 4096));
        for (var i = 0; i < data.ValueCount; i++)
        {
            indices[i] = dict.GetOrAdd(offsets[i], offsets[i + 1] - offsets[i]);
            if (dict.ByteSize > maxBytes || MostlyDistinct(i + 1, dict.Count)) return null;
        }
        count = dict.Count;
        var buf = new ChunkBuffer((int)dict.ByteSize);
        for (var k = 0; k < dict.Count; k++)
        {
            var v = dict.Get(k);
            var dst = buf.GetSpan(4 + v.Length);
            BinaryPrimitives.WriteInt32LittleEndian(dst, v.Length);
            v.CopyTo(dst[4..]);
            buf.Length += 4 + v.Length;
        }
        return buf;
    }

    private static ChunkBuffer? Numbers<T>(ColumnData data, ReadOnlySpan<T> values, int width, int[] indices, int maxBytes, out int count)
        where T : unmanaged, IEquatable<T>
    {
        count = 0;
        var map = new Dictionary<T, int>(Math.Min(values.Length, 4096));
        var order = new List<T>();
        for (var i = 0; i < values.Length; i++)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(map, values[i], out var exists);
            if (!exists)
            {
                slot = order.Count;
                order.Add(values[i]);
                if ((long)order.Count * width > maxBytes || MostlyDistinct(i + 1, order.Count)) return null;
            }
            else if (MostlyDistinct(i + 1, order.Count)) return null;
            indices[i] = slot;
        }
        count = order.Count;
        var buf = new ChunkBuffer(order.Count * width);
        buf.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(order)));
        return buf;
    }
}
