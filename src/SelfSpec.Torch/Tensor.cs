using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>
/// An n-dimensional array in libtorch, on the CPU or a GPU, with autograd. Each instance owns one
/// reference to native storage, released by <see cref="Dispose"/>, by the enclosing <see cref="DisposeScope"/>,
/// or (as a last resort) by the finalizer of its <see cref="SafeHandle"/>.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;
    private long[]? shape;

    static Tensor() => Torch.EnsureInitialised();

    internal Tensor(TensorHandle handle)
    {
        this.handle = handle;
        DisposeScope.Register(this);
    }

    /// <summary>The scope that will free this tensor, if any.</summary>
    public DisposeScope? Scope { get; internal set; }

    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle;
        }
    }

    /// <summary>True once the native reference has been released.</summary>
    public bool IsDisposed => handle.IsClosed;

    // ---- metadata ---------------------------------------------------------------------------

    /// <summary>The size of each dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            if (shape != null) return shape;
            Span<long> buf = stackalloc long[16];
            int n;
            fixed (long* p = buf) n = NativeMethods.st_tensor_sizes(Handle, p, buf.Length);
            if (n > buf.Length)
            {
                var big = new long[n];
                fixed (long* p = big) NativeMethods.st_tensor_sizes(Handle, p, n);
                return shape = big;
            }
            return shape = buf[..n].ToArray();
        }
    }

    /// <summary>The element strides of each dimension.</summary>
    public unsafe long[] Strides
    {
        get
        {
            var n = Dim;
            var s = new long[n];
            fixed (long* p = s) NativeMethods.st_tensor_strides(Handle, p, n);
            return s;
        }
    }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = Shape;
        var d = dim < 0 ? dim + s.Length : dim;
        if ((uint)d >= (uint)s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} out of range for a {s.Length}-d tensor");
        return s[d];
    }

    /// <summary>Number of dimensions.</summary>
    public int Dim => NativeMethods.st_tensor_dim(Handle);

    /// <summary>Number of elements.</summary>
    public long NumElements => NativeMethods.st_tensor_numel(Handle);

    /// <summary>The element type.</summary>
    public DType DType => (DType)NativeMethods.st_tensor_dtype(Handle);

    /// <summary>The device holding the data.</summary>
    public Device Device => new((DeviceType)NativeMethods.st_tensor_device_type(Handle), NativeMethods.st_tensor_device_index(Handle));

    /// <summary>True if the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous => NativeMethods.st_tensor_is_contiguous(Handle) != 0;

    /// <summary>Whether this tensor's first element is <paramref name="other"/>'s: an alias of it, or a view at the same offset.</summary>
    public bool StartsAtSameDataAs(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var p = NativeMethods.st_tensor_data_ptr(Handle);
        return p != IntPtr.Zero && p == NativeMethods.st_tensor_data_ptr(other.Handle);
    }

    /// <summary>Bytes per element.</summary>
    public long ElementSize => NativeMethods.st_tensor_element_size(Handle);

    /// <summary>A short description: shape, dtype, device.</summary>
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", Shape)}] {DType.Name()} {Device}";

    /// <summary>libtorch's full rendering of the values.</summary>
    public unsafe string Print()
    {
        var n = NativeMethods.st_tensor_to_string(Handle, null, 0);
        if (n < 0) throw Check.LastError();
        var buf = new byte[n + 1];
        fixed (byte* p = buf) NativeMethods.st_tensor_to_string(Handle, p, buf.Length);
        return System.Text.Encoding.UTF8.GetString(buf, 0, n);
    }

    // ---- lifetime -----------------------------------------------------------------------------

    /// <summary>Releases this tensor's reference to its storage now.</summary>
    public void Dispose()
    {
        Scope?.Remove(this);
        handle.Dispose();
    }

    internal void DisposeFromScope()
    {
        Scope = null;
        handle.Dispose();
    }

    /// <summary>Moves this tensor out of its scope into the enclosing one (see <see cref="DisposeScope.MoveToOuter"/>).</summary>
    public Tensor MoveToOuterScope() => Scope?.MoveToOuter(this) ?? this;

    /// <summary>Takes this tensor out of any scope: the caller owns it and must dispose it.</summary>
    public Tensor DetachFromScope() => Scope?.Detach(this) ?? this;

    internal static Tensor Wrap(TensorHandle h) => new(Check.Handle(h));

    internal static Tensor Adopt(IntPtr raw) => new(Check.Adopt(raw));

    // ---- data access --------------------------------------------------------------------------

    /// <summary>Copies the elements, in row-major order, into a new array, converting the dtype if needed.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var want = DTypeExtensions.Of<T>();
        if (want != DType)
        {
            using var converted = To(want);
            return converted.ToArray<T>();
        }
        var result = new T[NumElements];
        fixed (T* p = result) Check.Status(NativeMethods.st_tensor_copy_to(Handle, p, (long)result.Length * sizeof(T)));
        return result;
    }

    /// <summary>Copies the raw element bytes (row-major) into a new array, whatever the dtype.</summary>
    public unsafe byte[] ToBytes()
    {
        var result = new byte[NumElements * ElementSize];
        fixed (byte* p = result) Check.Status(NativeMethods.st_tensor_copy_to(Handle, p, result.Length));
        return result;
    }

    /// <summary>Overwrites all elements from <paramref name="data"/> (same dtype, same element count).</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        if (DTypeExtensions.Of<T>() != DType) throw new ArgumentException($"CopyFrom: tensor is {DType.Name()}, data is {typeof(T).Name}");
        fixed (T* p = data) Check.Status(NativeMethods.st_tensor_copy_from(Handle, p, (long)data.Length * sizeof(T)));
    }

    /// <summary>The elements of a contiguous CPU tensor as a span over native memory (valid while the tensor lives).</summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        if (DTypeExtensions.Of<T>() != DType) throw new ArgumentException($"AsSpan: tensor is {DType.Name()}, not {typeof(T).Name}");
        if (!IsContiguous) throw new InvalidOperationException("AsSpan needs a contiguous tensor: call Contiguous() first");
        var p = NativeMethods.st_tensor_data_ptr(Handle);
        if (p == IntPtr.Zero) throw Check.LastError();
        return new Span<T>((void*)p, checked((int)NumElements));
    }

    /// <summary>The single value of a one-element tensor, as a double.</summary>
    public unsafe double ItemDouble()
    {
        int status;
        var v = NativeMethods.st_tensor_item_double(Handle, &status);
        Check.Status(status);
        return v;
    }

    /// <summary>The single value of a one-element tensor, as a long.</summary>
    public unsafe long ItemLong()
    {
        int status;
        var v = NativeMethods.st_tensor_item_long(Handle, &status);
        Check.Status(status);
        return v;
    }

    /// <summary>The single value of a one-element tensor, as a float.</summary>
    public float ItemFloat() => (float)ItemDouble();

    // ---- conversion ---------------------------------------------------------------------------

    /// <summary>A copy with another element type (this tensor itself when it already has it).</summary>
    public Tensor To(DType dtype) => Wrap(NativeMethods.st_to(Handle, (int)dtype, (int)Device.Type, Device.Index, 0));

    /// <summary>A copy on another device (this tensor's data shared when it is already there).</summary>
    public Tensor To(Device device, bool nonBlocking = false) => Wrap(NativeMethods.st_to(Handle, (int)DType, (int)device.Type, device.Index, nonBlocking ? 1 : 0));

    /// <summary>A copy with another element type on another device.</summary>
    public Tensor To(DType dtype, Device device) => Wrap(NativeMethods.st_to(Handle, (int)dtype, (int)device.Type, device.Index, 0));

    /// <summary>This tensor on the CPU.</summary>
    public Tensor Cpu() => To(Device.Cpu);
}
