using System.Globalization;
using System.Numerics;

namespace SelfSpec.Parquet.Values;

/// <summary>An exact DECIMAL value: an unscaled integer and a scale (value = unscaled / 10^scale).</summary>
/// <param name="Unscaled">The unscaled integer.</param>
/// <param name="Scale">Digits after the decimal point.</param>
public readonly record struct ParquetDecimal(BigInteger Unscaled, int Scale)
{
    /// <summary>Exact text with exactly <see cref="Scale"/> digits after the point, e.g. <c>-0.01</c>.</summary>
    public override string ToString()
    {
        var digits = BigInteger.Abs(Unscaled).ToString(CultureInfo.InvariantCulture);
        if (Scale > 0)
        {
            if (digits.Length <= Scale) digits = new string('0', Scale - digits.Length + 1) + digits;
            digits = digits[..^Scale] + "." + digits[^Scale..];
        }
        return Unscaled.Sign < 0 ? "-" + digits : digits;
    }

    /// <summary>The value as <see cref="decimal"/> (throws <see cref="OverflowException"/> beyond 28-29 digits).</summary>
    public decimal ToDecimal() => decimal.Parse(ToString(), CultureInfo.InvariantCulture);
}
