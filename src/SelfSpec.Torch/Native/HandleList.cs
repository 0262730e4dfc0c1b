namespace SelfSpec.Torch.Native;

/// <summary>Raw pointers of several tensors for one native call, each kept alive (AddRef) until disposed.</summary>
internal readonly struct HandleList : IDisposable
{
    private readonly IReadOnlyList<Tensor> tensors;
    private readonly int added;

    public IntPtr[] Pointers { get; }

    public HandleList(IReadOnlyList<Tensor> tensors)
    {
        this.tensors = tensors;
        Pointers = new IntPtr[tensors.Count];
        var ok = false;
        try
        {
            for (; added < tensors.Count; added++)
            {
                var h = tensors[added].Handle;
                var success = false;
                h.DangerousAddRef(ref success);
                Pointers[added] = h.DangerousGetHandle();
            }
            ok = true;
        }
        finally
        {
            if (!ok) Release(added);
        }
    }

    public void Dispose() => Release(added);

    private void Release(int count)
    {
        for (var i = 0; i < count; i++) tensors[i].Handle.DangerousRelease();
    }
}

/// <summary>The raw pointer of an optional tensor for one native call, kept alive until disposed.</summary>
internal readonly struct OptionalHandle : IDisposable
{
    private readonly TensorHandle? handle;

    public IntPtr Pointer { get; }

    public OptionalHandle(Tensor? tensor)
    {
        handle = tensor?.Handle;
        if (handle == null) return;
        var success = false;
        handle.DangerousAddRef(ref success);
        Pointer = handle.DangerousGetHandle();
    }

    public void Dispose() => handle?.DangerousRelease();
}

/// <summary>
/// Raw pointers of a list of optional tensors for one native call (<see cref="IntPtr.Zero"/> for a null entry), the
/// present ones kept alive until disposed.
/// </summary>
internal readonly struct OptionalHandleList : IDisposable
{
    private readonly HandleList present;

    public IntPtr[] Pointers { get; }

    public OptionalHandleList(IReadOnlyList<Tensor?> tensors)
    {
        var at = Enumerable.Range(0, tensors.Count).Where(i => tensors[i] != null).ToArray();
        present = new HandleList(at.Select(i => tensors[i]!).ToArray());
        Pointers = new IntPtr[tensors.Count];
        for (var j = 0; j < at.Length; j++) Pointers[at[j]] = present.Pointers[j];
    }

    public void Dispose() => present.Dispose();
}
