namespace SelfSpec.Torch.Tests;

public class CreationTests
{
    [Fact]
    public void ZerosOnesFullArangeHaveTheRequestedValuesShapeAndType()
    {
        using var scope = DisposeScope.Begin();
        Assert.Equal(new float[6], Tensor.Zeros([2, 3]).ToArray<float>());
        Assert.Equal([1L, 1, 1, 1], Tensor.Ones([4], DType.Int64).ToArray<long>());
        var full = Tensor.Full([2, 2], 2.5, DType.Float64);
        Assert.Equal([2.5, 2.5, 2.5, 2.5], full.ToArray<double>());
        Assert.Equal(DType.Float64, full.DType);
        Assert.Equal([2L, 2], full.Shape);
        Assert.Equal([0L, 1, 2, 3, 4], Tensor.Arange(5).ToArray<long>());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Tensor.Arange(1, 3, 0.5, DType.Float32).ToArray<float>());
        Assert.Equal(Device.Cpu, full.Device);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Bool)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void EveryDTypeConvertsAndReportsItsElementSize(DType dtype)
    {
        using var scope = DisposeScope.Begin();
        var src = Tensor.From([0f, 1f, 2f, 3f], [2, 2]);
        var t = src.To(dtype);
        Assert.Equal(dtype, t.DType);
        Assert.Equal(dtype.ElementSize(), t.ElementSize);
        var back = t.ToArray<float>();
        var expected = dtype == DType.Bool ? new[] { 0f, 1f, 1f, 1f } : new[] { 0f, 1f, 2f, 3f };
        Assert.Equal(expected, back);
    }

    [Fact]
    public void RoundTripsEveryManagedElementType()
    {
        using var scope = DisposeScope.Begin();
        Assert.Equal([1.5, -2.25], Tensor.From([1.5, -2.25]).ToArray<double>());
        Assert.Equal([long.MaxValue, long.MinValue], Tensor.From([long.MaxValue, long.MinValue]).ToArray<long>());
        Assert.Equal([int.MaxValue, -7], Tensor.From([int.MaxValue, -7]).ToArray<int>());
        Assert.Equal([(byte)0, (byte)255], Tensor.From([(byte)0, (byte)255]).ToArray<byte>());
        Assert.Equal([true, false, true], Tensor.From([true, false, true]).ToArray<bool>());
        Assert.Equal([(Half)0.5, (Half)(-3)], Tensor.From([(Half)0.5, (Half)(-3)]).ToArray<Half>());
        var m = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([2L, 3], m.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], m.ToArray<float>());
    }

    [Fact]
    public void BFloat16RoundsToNearestEvenLikeTheBitLevelReference()
    {
        using var scope = DisposeScope.Begin();
        var values = Reference.RandomFloats(1000, seed: 7, scale: 100f);
        var bf = Tensor.From(values).To(DType.BFloat16);
        var raw = bf.ToBytes();
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.ToUInt16(raw, 2 * i);
            Assert.Equal(Reference.ToBFloat16Bits(values[i]), bits);
        }
        var back = bf.ToArray<float>();
        for (var i = 0; i < values.Length; i++) Assert.Equal(Reference.FromBFloat16Bits(Reference.ToBFloat16Bits(values[i])), back[i]);
    }

    [Fact]
    public void WrapSharesTheManagedArrayWithoutCopying()
    {
        var data = new float[] { 1, 2, 3, 4 };
        using (var t = Tensor.Wrap(data, [2, 2]))
        {
            data[3] = 40;
            Assert.Equal(40f, t.ToArray<float>()[3]);
            using var _ = t.MulInPlace(2.0);
        }
        Assert.Equal([2f, 4f, 6f, 80f], data);
    }

    [Fact]
    public void FromBlobReleasesItsOwnerWhenTheLastReferenceGoes()
    {
        var owner = new TrackingOwner(16);
        var t = Tensor.FromBlob(owner.Pointer, [4], default, DType.Float32, owner);
        var view = t.Narrow(0, 1, 2); // shares the storage
        t.Dispose();
        Assert.False(owner.Disposed);
        view.Dispose();
        Assert.True(owner.Disposed);
    }

    private sealed unsafe class TrackingOwner : IDisposable
    {
        public TrackingOwner(int bytes)
        {
            Pointer = (IntPtr)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)bytes);
        }

        public IntPtr Pointer { get; }
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            System.Runtime.InteropServices.NativeMemory.Free((void*)Pointer);
            Disposed = true;
        }
    }

    [Fact]
    public void SeededGeneratorsAreReproducibleAndIndependent()
    {
        using var scope = DisposeScope.Begin();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        var a = Tensor.Randn([1000], g1).ToArray<float>();
        var b = Tensor.Randn([1000], g2).ToArray<float>();
        var c = Tensor.Randn([1000], g3).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // standard normal: mean ≈ 0, variance ≈ 1 for 1000 samples (5 standard errors)
        Assert.InRange(a.Average(), -0.16, 0.16);
        Assert.InRange(a.Select(x => (double)x * x).Average(), 0.78, 1.22);

        // state snapshot and restore replays the same stream
        var state = g1.GetState();
        var next = Tensor.Rand([10], g1).ToArray<float>();
        g1.SetState(state);
        Assert.Equal(next, Tensor.Rand([10], g1).ToArray<float>());
        Assert.All(next, v => Assert.InRange(v, 0f, 1f));

        var ints = Tensor.RandInt(3, 7, [500], g3).ToArray<long>();
        Assert.All(ints, v => Assert.InRange(v, 3, 6));
        Assert.Equal(4, ints.Distinct().Count());
    }

    [Fact]
    public void ShapeAndElementCountMismatchIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.From([1f, 2f, 3f], [2, 2]));
        Assert.Contains("4 elements", e.Message);
    }
}
