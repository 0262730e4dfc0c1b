using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

public sealed partial class Tensor
{
    /// <summary>An uninitialised tensor.</summary>
    public static unsafe Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_zeros(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_ones(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor Full(ReadOnlySpan<long> shape, Scalar value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_full(s, shape.Length, value.Value, value.IntValue, value.Kind, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>The values <c>start, start+step, …</c> below <paramref name="end"/>.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Wrap(NativeMethods.st_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary><c>0, 1, …, end-1</c> as int64.</summary>
    public static Tensor Arange(long end, Device? device = null) => Arange(0, end, 1, DType.Int64, device);

    /// <summary>Standard-normal samples drawn from <paramref name="generator"/> (or libtorch's default generator).</summary>
    public static unsafe Tensor Randn(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_randn(s, shape.Length, Generator.Raw(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static unsafe Tensor Rand(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_rand(s, shape.Length, Generator.Raw(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static unsafe Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Wrap(NativeMethods.st_randint(low, high, s, shape.Length, Generator.Raw(generator), (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static unsafe Tensor From<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged
    {
        CheckElementCount(data.Length, shape);
        var d = device ?? Device.Cpu;
        fixed (T* p = data)
        fixed (long* s = shape)
            return Wrap(NativeMethods.st_from_data(p, s, shape.Length, (int)DTypeExtensions.Of<T>(), (int)d.Type, d.Index));
    }

    /// <summary>Copies <paramref name="data"/> into a new 1-d tensor.</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, Device? device = null) where T : unmanaged => From(data, [data.Length], device);

    /// <summary>Copies a 2-d array into a new tensor.</summary>
    public static Tensor From<T>(T[,] data, Device? device = null) where T : unmanaged =>
        From(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(data)), data.Length),
            [data.GetLength(0), data.GetLength(1)], device);

    /// <summary>A one-element 0-d tensor.</summary>
    public static Tensor Scalar<T>(T value, Device? device = null) where T : unmanaged => From([value], ReadOnlySpan<long>.Empty, device);

    /// <summary>
    /// Wraps a managed array without copying: the tensor reads and writes <paramref name="array"/> directly,
    /// which stays pinned until libtorch frees the storage.
    /// </summary>
    public static unsafe Tensor Wrap<T>(T[] array, ReadOnlySpan<long> shape) where T : unmanaged
    {
        CheckElementCount(array.Length, shape);
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        return FromBlob(pin.AddrOfPinnedObject(), shape, default, DTypeExtensions.Of<T>(), new PinnedArrayOwner(pin));
    }

    /// <summary>
    /// Wraps native memory without copying (for example a memory-mapped weights file). <paramref name="owner"/>
    /// (if any) is disposed when libtorch frees the storage, which keeps the memory alive exactly as long as needed.
    /// </summary>
    public static unsafe Tensor FromBlob(IntPtr data, ReadOnlySpan<long> shape, ReadOnlySpan<long> strides, DType dtype, IDisposable? owner)
    {
        if (!strides.IsEmpty && strides.Length != shape.Length) throw new ArgumentException("strides must have one entry per dimension", nameof(strides));
        var context = owner == null ? IntPtr.Zero : GCHandle.ToIntPtr(GCHandle.Alloc(owner));
        fixed (long* s = shape)
        fixed (long* st = strides)
        {
            var h = NativeMethods.st_from_blob((void*)data, s, shape.Length, strides.IsEmpty ? null : st, (int)dtype, &ReleaseBlobOwner, context);
            if (h.IsInvalid && context != IntPtr.Zero)
            {
                var gc = GCHandle.FromIntPtr(context);
                (gc.Target as IDisposable)?.Dispose();
                gc.Free();
            }
            return Wrap(h);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void ReleaseBlobOwner(IntPtr context)
    {
        if (context == IntPtr.Zero) return;
        var gc = GCHandle.FromIntPtr(context);
        try { (gc.Target as IDisposable)?.Dispose(); }
        finally { gc.Free(); }
    }

    private sealed class PinnedArrayOwner(GCHandle pin) : IDisposable
    {
        public void Dispose()
        {
            if (pin.IsAllocated) pin.Free();
        }
    }

    private static void CheckElementCount(long count, ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != count) throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] holds {n} elements but the data has {count}");
    }
}
