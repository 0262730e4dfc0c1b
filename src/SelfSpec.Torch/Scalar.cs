namespace SelfSpec.Torch;

/// <summary>A number passed to a tensor operation: kept as an integer or a float, as PyTorch's type promotion requires.</summary>
public readonly struct Scalar
{
    internal readonly double Value;
    internal readonly long IntValue;
    internal readonly int Kind; // 0 float, 1 integer, 2 boolean

    private Scalar(double value, long intValue, int kind)
    {
        Value = value;
        IntValue = intValue;
        Kind = kind;
    }

    /// <summary>A floating-point scalar.</summary>
    public static implicit operator Scalar(double value) => new(value, 0, 0);

    /// <summary>A floating-point scalar.</summary>
    public static implicit operator Scalar(float value) => new(value, 0, 0);

    /// <summary>An integer scalar.</summary>
    public static implicit operator Scalar(long value) => new(value, value, 1);

    /// <summary>An integer scalar.</summary>
    public static implicit operator Scalar(int value) => new(value, value, 1);

    /// <summary>A boolean scalar.</summary>
    public static implicit operator Scalar(bool value) => new(value ? 1 : 0, value ? 1 : 0, 2);

    /// <inheritdoc />
    public override string ToString() => Kind == 0 ? Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : Kind == 1 ? IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : (IntValue != 0).ToString();
}
