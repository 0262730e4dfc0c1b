using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Parquet.Values;

/// <summary>Converts stored leaf values to CLR values and to the JSON value convention used by the shared tools.</summary>
public static class LeafValues
{
    private const long UnixEpochTicks = 621355968000000000;
    private const int JulianDayOfEpoch = 2440588;

    /// <summary>
    /// The CLR value of value <paramref name="i"/>: bool, int, long, uint, ulong, float, double, string, byte[],
    /// <see cref="DateOnly"/>, <see cref="DateTime"/> (UTC kind when adjusted to UTC), <see cref="TimeOnly"/>,
    /// <see cref="Guid"/> or <see cref="ParquetDecimal"/>.
    /// </summary>
    public static object ToClr(ColumnData d, int i)
    {
        var c = d.Column;
        var lt = c.LogicalType;
        switch (c.PhysicalType)
        {
            case PhysicalType.Boolean: return d.Booleans![i];
            case PhysicalType.Float: return d.Floats![i];
            case PhysicalType.Double: return d.Doubles![i];
            case PhysicalType.Int32:
            {
                var v = d.Int32s![i];
                return lt?.Kind switch
                {
                    LogicalTypeKind.Date => DateOnly.FromDayNumber(v + 719162),
                    LogicalTypeKind.Decimal => new ParquetDecimal(v, lt.Scale),
                    LogicalTypeKind.Integer when !lt.IsSigned => (uint)v,
                    LogicalTypeKind.Time => TimeOnly.FromTimeSpan(TimeSpan.FromMilliseconds(v)),
                    _ => v,
                };
            }
            case PhysicalType.Int64:
            {
                var v = d.Int64s![i];
                return lt?.Kind switch
                {
                    LogicalTypeKind.Timestamp => TimestampToDateTime(v, lt.Unit, lt.IsAdjustedToUtc),
                    LogicalTypeKind.Decimal => new ParquetDecimal(v, lt.Scale),
                    LogicalTypeKind.Integer when !lt.IsSigned => (ulong)v,
                    LogicalTypeKind.Time => new TimeOnly(lt.Unit == TimeUnit.Nanos ? v / 100 : v * 10),
                    _ => v,
                };
            }
            case PhysicalType.Int96:
            {
                var b = d.GetBytes(i);
                var nanosOfDay = BinaryPrimitives.ReadInt64LittleEndian(b);
                var julian = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
                return new DateTime(UnixEpochTicks + (julian - JulianDayOfEpoch) * TimeSpan.TicksPerDay + nanosOfDay / 100, DateTimeKind.Unspecified);
            }
            default:
            {
                var b = d.GetBytes(i);
                return lt?.Kind switch
                {
                    LogicalTypeKind.String or LogicalTypeKind.Json or LogicalTypeKind.Enum => System.Text.Encoding.UTF8.GetString(b),
                    LogicalTypeKind.Decimal => new ParquetDecimal(new BigInteger(b, isUnsigned: false, isBigEndian: true), lt.Scale),
                    LogicalTypeKind.Uuid when b.Length == 16 => new Guid(b, bigEndian: true),
                    _ => b.ToArray(),
                };
            }
        }
    }

    /// <summary>Converts a stored timestamp to a <see cref="DateTime"/> (nanoseconds are truncated to 100 ns ticks).</summary>
    public static DateTime TimestampToDateTime(long v, TimeUnit unit, bool utc)
    {
        var ticks = unit switch
        {
            TimeUnit.Millis => v * TimeSpan.TicksPerMillisecond,
            TimeUnit.Micros => v * 10,
            _ => v / 100 - (v % 100 < 0 ? 1 : 0),
        };
        return new DateTime(UnixEpochTicks + ticks, utc ? DateTimeKind.Utc : DateTimeKind.Unspecified);
    }

    /// <summary>
    /// Value <paramref name="i"/> as JSON text under the shared value convention (64-bit ints and decimals as strings,
    /// blobs base64, dates/timestamps ISO text, NaN/Infinity as strings).
    /// </summary>
    public static string ToConventionJson(ColumnData d, int i)
    {
        var c = d.Column;
        var lt = c.LogicalType;
        switch (c.PhysicalType)
        {
            case PhysicalType.Boolean: return d.Booleans![i] ? "true" : "false";
            case PhysicalType.Float: return FormatDouble(d.Floats![i]);
            case PhysicalType.Double: return FormatDouble(d.Doubles![i]);
            case PhysicalType.Int32:
            {
                var v = d.Int32s![i];
                return lt?.Kind switch
                {
                    LogicalTypeKind.Date => Quote(DateOnly.FromDayNumber(v + 719162).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                    LogicalTypeKind.Decimal => Quote(new ParquetDecimal(v, lt.Scale).ToString()),
                    LogicalTypeKind.Integer when !lt.IsSigned => ((uint)v).ToString(CultureInfo.InvariantCulture),
                    LogicalTypeKind.Time => Quote(FormatTime(v * 1000L)),
                    _ => v.ToString(CultureInfo.InvariantCulture),
                };
            }
            case PhysicalType.Int64:
            {
                var v = d.Int64s![i];
                return lt?.Kind switch
                {
                    LogicalTypeKind.Timestamp => Quote(FormatTimestamp(v, lt.Unit, lt.IsAdjustedToUtc)),
                    LogicalTypeKind.Decimal => Quote(new ParquetDecimal(v, lt.Scale).ToString()),
                    LogicalTypeKind.Integer when !lt.IsSigned => Quote(((ulong)v).ToString(CultureInfo.InvariantCulture)),
                    LogicalTypeKind.Time => Quote(FormatTime(lt.Unit == TimeUnit.Nanos ? v / 1000 : lt.Unit == TimeUnit.Millis ? v * 1000 : v)),
                    _ => Quote(v.ToString(CultureInfo.InvariantCulture)),
                };
            }
            case PhysicalType.Int96:
            {
                var b = d.GetBytes(i);
                var nanosOfDay = BinaryPrimitives.ReadInt64LittleEndian(b);
                var julian = BinaryPrimitives.ReadInt32LittleEndian(b[8..]);
                var nanos = (julian - (long)JulianDayOfEpoch) * 86_400_000_000_000L + nanosOfDay;
                return Quote(FormatTimestamp(nanos, TimeUnit.Nanos, false));
            }
            default:
            {
                var b = d.GetBytes(i);
                return lt?.Kind switch
                {
                    LogicalTypeKind.String or LogicalTypeKind.Json or LogicalTypeKind.Enum => Quote(System.Text.Encoding.UTF8.GetString(b)),
                    LogicalTypeKind.Decimal => Quote(new ParquetDecimal(new BigInteger(b, isUnsigned: false, isBigEndian: true), lt.Scale).ToString()),
                    LogicalTypeKind.Uuid when b.Length == 16 => Quote(new Guid(b, bigEndian: true).ToString("D")),
                    _ => Quote(Convert.ToBase64String(b)),
                };
            }
        }
    }

    /// <summary>A statistics min/max value (PLAIN bytes of the physical type) as convention JSON; null when absent or malformed.</summary>
    public static string? StatisticToJson(ColumnDescriptor column, byte[]? raw)
    {
        if (raw == null) return null;
        var d = new ColumnData(column, 1);
        try
        {
            switch (column.PhysicalType)
            {
                case PhysicalType.ByteArray:
                    d.EnsureBytes(raw.Length);
                    raw.CopyTo(d.Bytes!, 0);
                    d.Offsets![1] = raw.Length;
                    d.ValueCount = 1;
                    break;
                case PhysicalType.Boolean:
                    if (raw.Length < 1) return null;
                    d.Booleans![0] = raw[0] != 0;
                    d.ValueCount = 1;
                    break;
                default:
                    Encodings.ValueDecoders.Plain(raw, d, 1);
                    break;
            }
            return ToConventionJson(d, 0);
        }
        catch (ParquetFormatException) { return null; }
    }

    /// <summary>Shortest round-trip text, NaN/Infinity as strings, negative zero as <c>-0.0</c>.</summary>
    public static string FormatDouble(double v)
    {
        if (double.IsNaN(v)) return "\"NaN\"";
        if (double.IsPositiveInfinity(v)) return "\"Infinity\"";
        if (double.IsNegativeInfinity(v)) return "\"-Infinity\"";
        if (v == 0 && double.IsNegative(v)) return "-0.0";
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Formats a timestamp as <c>yyyy-MM-ddTHH:mm:ss.ffffff</c> (9 digits for nanos), with <c>Z</c> when UTC-adjusted.</summary>
    public static string FormatTimestamp(long v, TimeUnit unit, bool utc)
    {
        long perSecond = unit switch { TimeUnit.Millis => 1000, TimeUnit.Micros => 1_000_000, _ => 1_000_000_000 };
        var seconds = Math.DivRem(v, perSecond, out var frac);
        if (frac < 0) { frac += perSecond; seconds--; }
        var dt = DateTime.UnixEpoch.AddSeconds(seconds);
        var fraction = unit switch
        {
            TimeUnit.Millis => (frac * 1000).ToString("D6", CultureInfo.InvariantCulture),
            TimeUnit.Micros => frac.ToString("D6", CultureInfo.InvariantCulture),
            _ => frac.ToString("D9", CultureInfo.InvariantCulture),
        };
        return dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction + (utc ? "Z" : "");
    }

    private static string FormatTime(long micros)
    {
        var t = TimeSpan.FromTicks(micros * 10);
        return $"{(int)t.TotalHours:D2}:{t.Minutes:D2}:{t.Seconds:D2}.{micros % 1_000_000:D6}";
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, QuoteOptions);

    private static readonly System.Text.Json.JsonSerializerOptions QuoteOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
