using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

public sealed partial class Tensor
{
    /// <summary>A view with another shape (one dimension may be -1); the data must be viewable without a copy.</summary>
    public unsafe Tensor View(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeMethods.st_view(Handle, s, shape.Length));
    }

    /// <summary>Another shape, as a view when possible and a copy otherwise.</summary>
    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeMethods.st_reshape(Handle, s, shape.Length));
    }

    /// <summary>A broadcast view to a larger shape (-1 keeps a dimension).</summary>
    public unsafe Tensor Expand(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeMethods.st_expand(Handle, s, shape.Length));
    }

    /// <summary>A view with the dimensions reordered.</summary>
    public unsafe Tensor Permute(params ReadOnlySpan<long> order)
    {
        fixed (long* s = order) return Wrap(NativeMethods.st_permute(Handle, s, order.Length));
    }

    /// <summary>A view with two dimensions swapped.</summary>
    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.st_transpose(Handle, dim0, dim1));

    /// <summary>A view of <paramref name="length"/> entries of <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => Wrap(NativeMethods.st_narrow(Handle, dim, start, length));

    /// <summary>A view of entries [start, end) with a step along <paramref name="dim"/> (Python-style negative indices).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => Wrap(NativeMethods.st_slice(Handle, dim, start, end, step));

    /// <summary>A view of one entry of <paramref name="dim"/>, removing that dimension.</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeMethods.st_select(Handle, dim, index));

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1.</summary>
    public Tensor Squeeze(long dim) => Wrap(NativeMethods.st_squeeze(Handle, dim));

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(long dim) => Wrap(NativeMethods.st_unsqueeze(Handle, dim));

    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Wrap(NativeMethods.st_flatten(Handle, startDim, endDim));

    /// <summary>This tensor with a dense row-major layout (a copy only if needed).</summary>
    public Tensor Contiguous() => Wrap(NativeMethods.st_contiguous(Handle));

    /// <summary>A copy of the data (differentiable).</summary>
    public Tensor Clone() => Wrap(NativeMethods.st_clone(Handle));

    /// <summary>A second handle to the same tensor (shares data and autograd identity); dispose it separately.</summary>
    public Tensor Alias() => Wrap(NativeMethods.st_alias(Handle));
}
