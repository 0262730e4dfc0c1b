namespace SelfSpec.Gguf.Format;

/// <summary>
/// One GGUF metadata value: a scalar (<see cref="Value"/> is a uint, int, float, bool, string, …) or an array
/// (<see cref="Value"/> is an <see cref="Array"/> of <see cref="ElementType"/>).
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    /// <summary>A string.</summary>
    public static GgufValue Of(string s) => new(GgufValueType.String, s);
    /// <summary>A uint32.</summary>
    public static GgufValue Of(uint v) => new(GgufValueType.UInt32, v);
    /// <summary>An int32.</summary>
    public static GgufValue Of(int v) => new(GgufValueType.Int32, v);
    /// <summary>A float32.</summary>
    public static GgufValue Of(float v) => new(GgufValueType.Float32, v);
    /// <summary>A bool.</summary>
    public static GgufValue Of(bool v) => new(GgufValueType.Bool, v);
    /// <summary>An array of strings.</summary>
    public static GgufValue Of(string[] v) => new(GgufValueType.Array, v, GgufValueType.String);
    /// <summary>An array of int32.</summary>
    public static GgufValue Of(int[] v) => new(GgufValueType.Array, v, GgufValueType.Int32);
    /// <summary>An array of float32.</summary>
    public static GgufValue Of(float[] v) => new(GgufValueType.Array, v, GgufValueType.Float32);

    /// <summary>The value as a string (throws if it is not one).</summary>
    public string AsString() => (string)Value;

    /// <summary>A numeric scalar as a double.</summary>
    public double AsDouble() => Convert.ToDouble(Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A numeric scalar as a long.</summary>
    public long AsLong() => Convert.ToInt64(Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A short display form (arrays show their type and length).</summary>
    public override string ToString() => Type == GgufValueType.Array
        ? $"[{ElementType} × {((Array)Value).Length}]"
        : Value switch { float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture), _ => Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture) ?? "" };
}
