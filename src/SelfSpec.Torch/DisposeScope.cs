namespace SelfSpec.Torch;

/// <summary>
/// Frees every tensor created on this thread while the scope is open, when the scope is disposed —
/// deterministic memory without a <c>using</c> per intermediate:
/// <code>
/// using (var scope = DisposeScope.Begin())
/// {
///     var y = x.MatMul(w).Add(b).Silu();   // intermediates belong to the scope
///     result = scope.MoveToOuter(y);        // keep the result; everything else is freed
/// }
/// </code>
/// Scopes nest; a tensor moved out goes to the enclosing scope (or to no scope: the caller then owns it).
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private DisposeScope? parent;
    private readonly List<Tensor> owned = new();
    private bool disposed;

    private DisposeScope(DisposeScope? parent) => this.parent = parent;

    /// <summary>Opens a scope on the current thread.</summary>
    public static DisposeScope Begin()
    {
        var scope = new DisposeScope(current);
        current = scope;
        return scope;
    }

    /// <summary>The innermost open scope on this thread, if any.</summary>
    public static DisposeScope? Current => current;

    /// <summary>Tensors currently owned by this scope.</summary>
    public int Count => owned.Count;

    internal static void Register(Tensor t)
    {
        var s = current;
        if (s == null) return;
        s.owned.Add(t);
        t.Scope = s;
    }

    /// <summary>Takes <paramref name="tensor"/> out of this scope and gives it to the enclosing one (or to the caller).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        if (Remove(tensor) && parent != null)
        {
            parent.owned.Add(tensor);
            tensor.Scope = parent;
        }
        return tensor;
    }

    /// <summary>Takes <paramref name="tensor"/> out of this scope: the caller now owns it and must dispose it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        Remove(tensor);
        return tensor;
    }

    /// <summary>Adds a tensor created elsewhere to this scope, so it is freed with it.</summary>
    public Tensor Include(Tensor tensor)
    {
        tensor.Scope?.Remove(tensor);
        owned.Add(tensor);
        tensor.Scope = this;
        return tensor;
    }

    internal bool Remove(Tensor tensor)
    {
        // The tensor to move is nearly always one of the last created: search from the end.
        for (var i = owned.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(owned[i], tensor))
            {
                owned.RemoveAt(i);
                tensor.Scope = null;
                return true;
            }
        }
        return false;
    }

    /// <summary>Frees every tensor still owned and closes the scope.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in owned) t.DisposeFromScope();
        owned.Clear();
        if (ReferenceEquals(current, this)) current = parent;
        else
        {
            // Disposed out of order (an inner scope still open): unlink this scope from the chain.
            for (var s = current; s != null; s = s.parent)
                if (ReferenceEquals(s.parent, this))
                {
                    s.parent = parent;
                    break;
                }
        }
    }
}
