using SelfSpec.Llm.Lora;

namespace SelfSpec.Serving;

/// <summary>
/// An adapter served under a name. Requests hold a lease on it while they run, so unloading it takes it off the list at
/// once but frees its weights only when its last running request has finished.
/// </summary>
public sealed class ServedAdapter
{
    private readonly object gate = new();
    private int leases;
    private bool unloaded;

    internal ServedAdapter(string name, string path, LoraAdapter adapter)
    {
        Name = name;
        Path = path;
        Adapter = adapter;
    }

    /// <summary>The name requests use as <c>model</c>.</summary>
    public string Name { get; }

    /// <summary>The folder it was loaded from.</summary>
    public string Path { get; }

    /// <summary>The weights.</summary>
    public LoraAdapter Adapter { get; }

    /// <summary>Takes a lease; false once the adapter is unloaded.</summary>
    internal bool TryAcquire()
    {
        lock (gate)
        {
            if (unloaded) return false;
            leases++;
            return true;
        }
    }

    /// <summary>Returns a lease; frees the weights when it was the last one of an unloaded adapter.</summary>
    internal void Release()
    {
        lock (gate)
        {
            leases--;
            if (unloaded && leases == 0) Adapter.Dispose();
        }
    }

    /// <summary>Marks the adapter unloaded; frees it now when no request holds it.</summary>
    internal void Unload()
    {
        lock (gate)
        {
            if (unloaded) return;
            unloaded = true;
            if (leases == 0) Adapter.Dispose();
        }
    }
}
