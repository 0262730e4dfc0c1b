namespace SelfSpec.Torch.Tests;

/// <summary>Plain C# reference computations (double precision loops) that the tensor ops are checked against.</summary>
internal static class Reference
{
    public static float[] RandomFloats(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (var i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static double[] RandomDoubles(int n, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        var a = new double[n];
        for (var i = 0; i < n; i++) a[i] = (rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    /// <summary>[m,k] × [k,n] row-major.</summary>
    public static double[] MatMul(float[] a, float[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    public static double[] Softmax(ReadOnlySpan<float> row)
    {
        var max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        var e = new double[row.Length];
        double sum = 0;
        for (var i = 0; i < row.Length; i++) sum += e[i] = Math.Exp(row[i] - max);
        for (var i = 0; i < row.Length; i++) e[i] /= sum;
        return e;
    }

    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tol)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            if (diff > tol * Math.Max(1, Math.Abs(expected[i])))
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]} (|diff| {diff} > {tol})");
        }
    }

    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            if (diff > tol * Math.Max(1, Math.Abs(expected[i])))
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]} (|diff| {diff} > {tol})");
        }
    }

    /// <summary>float32 → bfloat16 bits with round-to-nearest-even, as libtorch does it.</summary>
    public static ushort ToBFloat16Bits(float f)
    {
        var bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return 0x7FC0;
        var lsb = (bits >> 16) & 1;
        bits += 0x7FFF + lsb;
        return (ushort)(bits >> 16);
    }

    public static float FromBFloat16Bits(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);
}
