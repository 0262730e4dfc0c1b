using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool RequiresGrad
    {
        get => NativeMethods.st_requires_grad(Handle) != 0;
        set => Check.Status(NativeMethods.st_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (for fluent parameter creation).</summary>
    public Tensor RequiresGradInPlace(bool on = true)
    {
        RequiresGrad = on;
        return this;
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool IsLeaf => NativeMethods.st_is_leaf(Handle) != 0;

    /// <summary>The accumulated gradient, or null if none has been computed. Each call returns a new handle.</summary>
    public Tensor? Grad
    {
        get
        {
            var h = NativeMethods.st_grad(Handle);
            if (!h.IsInvalid) return new Tensor(h);
            if (NativeMethods.st_last_error_kind() != 0) throw Check.LastError();
            h.Dispose();
            return null;
        }
        set
        {
            using var g = new OptionalHandle(value);
            Check.Status(NativeMethods.st_set_grad(Handle, g.Pointer));
        }
    }

    /// <summary>Drops the accumulated gradient (PyTorch's <c>set_to_none</c>).</summary>
    public void ZeroGrad() => Check.Status(NativeMethods.st_zero_grad(Handle));

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
    {
        using var g = new OptionalHandle(gradient);
        Check.Status(NativeMethods.st_backward(Handle, g.Pointer, retainGraph ? 1 : 0));
    }

    /// <summary>A tensor sharing this one's data but cut from the autograd graph.</summary>
    public Tensor Detach() => Wrap(NativeMethods.st_detach(Handle));
}

/// <summary>
/// Disables gradient recording on the current thread until disposed (libtorch's <c>NoGradGuard</c>):
/// <c>using (new NoGrad()) { … }</c>. Restores the previous mode, so scopes nest.
/// </summary>
public readonly struct NoGrad : IDisposable
{
    private readonly bool previous;

    /// <summary>Turns gradient recording off.</summary>
    public NoGrad()
    {
        previous = NativeMethods.st_grad_enabled() != 0;
        NativeMethods.st_set_grad_enabled(0);
    }

    /// <summary>True while gradient recording is on for this thread.</summary>
    public static bool IsGradEnabled => NativeMethods.st_grad_enabled() != 0;

    /// <summary>Restores the previous mode.</summary>
    public void Dispose() => NativeMethods.st_set_grad_enabled(previous ? 1 : 0);
}
