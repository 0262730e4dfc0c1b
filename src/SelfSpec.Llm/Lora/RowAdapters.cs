using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Lora;

/// <summary>
/// Which LoRA adapter each row of a batch uses (multi-LoRA batching): rows of different adapters, and rows of the base
/// model, share one forward pass, each adapter applied unmerged to its own rows only. Built once per batch layout and
/// passed to <see cref="Models.LlamaModel.Forward(Tensor, Tensor?, Models.KvCache?, RowAdapters?, bool)"/>.
/// </summary>
public sealed class RowAdapters : IDisposable
{
    private readonly List<RowAdapterGroup> groups = [];
    private readonly bool nativeSupported;
    private (int Layers, NativeLoraRows Rows)? native;

    /// <summary>Groups the rows of a batch by adapter: <paramref name="adapterOfRow"/>[i] is row i's adapter, null for the base model.</summary>
    /// <param name="adapterOfRow">One entry per row of the batch.</param>
    /// <param name="device">The model's device: where the row index vectors live, and whether the native kernels apply (<see cref="NativeLora.Supports"/>).</param>
    public RowAdapters(IReadOnlyList<LoraAdapter?> adapterOfRow, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(adapterOfRow);
        Rows = adapterOfRow.Count;
        var byAdapter = new Dictionary<LoraAdapter, List<int>>(ReferenceEqualityComparer.Instance);
        var order = new List<LoraAdapter>();
        for (var r = 0; r < adapterOfRow.Count; r++)
        {
            if (adapterOfRow[r] is not { } a) continue;
            if (!byAdapter.TryGetValue(a, out var rows))
            {
                byAdapter[a] = rows = [];
                order.Add(a);
            }
            rows.Add(r);
        }
        // A single adapter on every row takes the plain single-adapter path: no gathering or scattering of rows.
        var dev = device ?? Device.Cpu;
        nativeSupported = order.All(a => NativeLora.Supports(a, dev));
        if (order.Count == 1 && byAdapter[order[0]].Count == Rows)
        {
            Uniform = order[0];
            return;
        }
        foreach (var a in order)
        {
            var rows = byAdapter[a].ToArray();
            var index = Tensor.From<long>(rows.Select(r => (long)r).ToArray());
            if (dev.Type != DeviceType.Cpu)
            {
                var moved = index.To(dev);
                index.Dispose();
                index = moved;
            }
            groups.Add(new RowAdapterGroup(a, rows, index.DetachFromScope()));
        }
    }

    /// <summary>Rows of the batch this layout describes.</summary>
    public int Rows { get; }

    /// <summary>The adapter every row uses, when all rows use the same one; null otherwise.</summary>
    public LoraAdapter? Uniform { get; }

    /// <summary>No row uses an adapter (every row is the base model).</summary>
    public bool IsEmpty => Uniform == null && groups.Count == 0;

    /// <summary>For each distinct adapter of a mixed batch, the rows that use it (empty when <see cref="Uniform"/> is set).</summary>
    public IReadOnlyList<RowAdapterGroup> Groups => groups;

    /// <summary>
    /// The rows' adapters for the native low-rank kernels (<see cref="Functional.AddLowRank"/>, the fused decode layer),
    /// made once for this layout: null when there are none or one of them is not float32 on the CPU
    /// (<see cref="NativeLora.Supports"/>), or when the model has a different number of layers than the first call gave.
    /// </summary>
    internal NativeLoraRows? Native(int layerCount)
    {
        if (IsEmpty || !nativeSupported) return null;
        if (native is { } made && made.Layers == layerCount) return made.Rows;
        var adapters = Uniform is { } u ? new[] { u } : groups.Select(g => g.Adapter).ToArray();
        var adapterOfRow = new int[Rows];
        if (Uniform == null)
        {
            Array.Fill(adapterOfRow, -1);
            for (var i = 0; i < groups.Count; i++)
                foreach (var r in groups[i].Rows) adapterOfRow[r] = i;
        }
        var rows = new NativeLoraRows(new NativeLora(adapters, layerCount), adapterOfRow);
        native = (layerCount, rows);
        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in groups) g.Index.Dispose();
        groups.Clear();
        native = null;
    }
}

/// <summary>The rows of a batch that use one adapter.</summary>
/// <param name="Adapter">The adapter.</param>
/// <param name="Rows">Its rows, ascending.</param>
/// <param name="Index">The same rows as an int64 index vector (for IndexSelect/IndexCopy).</param>
public sealed record RowAdapterGroup(LoraAdapter Adapter, IReadOnlyList<int> Rows, Tensor Index);
