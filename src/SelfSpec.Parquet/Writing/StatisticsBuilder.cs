using System.Buffers.Binary;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Writing;

/// <summary>Computes min, max and null count of a column chunk (NaN is ignored; ±0 follow the spec's rule).</summary>
internal static class StatisticsBuilder
{
    public static Statistics Compute(ColumnData d)
    {
        var s = new Statistics { NullCount = d.LevelCount - d.ValueCount };
        var n = d.ValueCount;
        if (n == 0) return s;
        var unsigned = d.Column.LogicalType is { Kind: LogicalTypeKind.Integer, IsSigned: false };
        switch (d.Column.PhysicalType)
        {
            case PhysicalType.Boolean:
            {
                bool any = false, all = true;
                foreach (var b in d.Booleans.AsSpan(0, n)) { any |= b; all &= b; }
                s.MinValue = [(byte)(all ? 1 : 0)];
                s.MaxValue = [(byte)(any ? 1 : 0)];
                break;
            }
            case PhysicalType.Int32:
            {
                var span = d.Int32s.AsSpan(0, n);
                int min, max;
                if (unsigned)
                {
                    uint umin = uint.MaxValue, umax = 0;
                    foreach (var v in span) { umin = Math.Min(umin, (uint)v); umax = Math.Max(umax, (uint)v); }
                    (min, max) = ((int)umin, (int)umax);
                }
                else
                {
                    min = span[0]; max = span[0];
                    foreach (var v in span) { if (v < min) min = v; if (v > max) max = v; }
                }
                s.MinValue = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(s.MinValue, min);
                s.MaxValue = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(s.MaxValue, max);
                break;
            }
            case PhysicalType.Int64:
            {
                var span = d.Int64s.AsSpan(0, n);
                long min, max;
                if (unsigned)
                {
                    ulong umin = ulong.MaxValue, umax = 0;
                    foreach (var v in span) { umin = Math.Min(umin, (ulong)v); umax = Math.Max(umax, (ulong)v); }
                    (min, max) = ((long)umin, (long)umax);
                }
                else
                {
                    min = span[0]; max = span[0];
                    foreach (var v in span) { if (v < min) min = v; if (v > max) max = v; }
                }
                s.MinValue = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(s.MinValue, min);
                s.MaxValue = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(s.MaxValue, max);
                break;
            }
            case PhysicalType.Float:
            {
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                var seen = false;
                foreach (var v in d.Floats.AsSpan(0, n))
                {
                    if (float.IsNaN(v)) continue;
                    seen = true;
                    if (v < min || (v == 0 && min == 0 && float.IsNegative(v))) min = v;
                    if (v > max || (v == 0 && max == 0 && !float.IsNegative(v))) max = v;
                }
                if (!seen) break;
                if (min == 0) min = -0.0f;
                if (max == 0) max = 0.0f;
                s.MinValue = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(s.MinValue, min);
                s.MaxValue = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(s.MaxValue, max);
                break;
            }
            case PhysicalType.Double:
            {
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                var seen = false;
                foreach (var v in d.Doubles.AsSpan(0, n))
                {
                    if (double.IsNaN(v)) continue;
                    seen = true;
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
                if (!seen) break;
                if (min == 0) min = -0.0;
                if (max == 0) max = 0.0;
                s.MinValue = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(s.MinValue, min);
                s.MaxValue = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(s.MaxValue, max);
                break;
            }
            default:
            {
                // Unsigned lexicographic byte order (the spec's order for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY).
                var minIndex = 0;
                var maxIndex = 0;
                for (var i = 1; i < n; i++)
                {
                    var v = d.GetBytes(i);
                    if (v.SequenceCompareTo(d.GetBytes(minIndex)) < 0) minIndex = i;
                    if (v.SequenceCompareTo(d.GetBytes(maxIndex)) > 0) maxIndex = i;
                }
                if (d.Column.PhysicalType == PhysicalType.Int96) break; // no defined order
                s.MinValue = d.GetBytes(minIndex).ToArray();
                s.MaxValue = d.GetBytes(maxIndex).ToArray();
                break;
            }
        }
        return s;
    }
}
