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
    private readonly Dictionary<(int Layer, LlamaProjection Projection), IReadOnlyList<StackedLora>> stacks = [];
    private readonly Device device;

    /// <summary>Groups the rows of a batch by adapter: <paramref name="adapterOfRow"/>[i] is row i's adapter, null for the base model.</summary>
    /// <param name="adapterOfRow">One entry per row of the batch.</param>
    /// <param name="device">Where the row index vectors live (the model's device).</param>
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
        if (order.Count == 1 && byAdapter[order[0]].Count == Rows)
        {
            Uniform = order[0];
            return;
        }
        this.device = device ?? Device.Cpu;
        var dev = this.device;
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
    /// The adapters of a mixed batch that adapt one projection, stacked so one pair of products serves every row: per
    /// distinct scale, A of all of them concatenated along the rank ([Σr, in]), B likewise ([out, Σr]), and a 0/1 mask
    /// [rows, 1, Σr] that keeps each row's own adapter's rank columns. Made on first use and kept for this layout.
    /// </summary>
    internal IReadOnlyList<StackedLora> Stacked(int layer, LlamaProjection projection)
    {
        if (stacks.TryGetValue((layer, projection), out var made)) return made;
        var result = new List<StackedLora>();
        foreach (var byScale in groups.Where(g => g.Adapter.Find(layer, projection) is not null).GroupBy(g => g.Adapter.Scale))
        {
            var members = byScale.ToArray();
            var pairs = members.Select(g => g.Adapter.Find(layer, projection)!).ToArray();
            var total = pairs.Sum(pr => (int)pr.A.Size(0));
            var mask = new float[Rows * total];
            var offset = 0;
            for (var m = 0; m < members.Length; m++)
            {
                var rank = (int)pairs[m].A.Size(0);
                foreach (var row in members[m].Rows)
                    for (var k = 0; k < rank; k++) mask[row * total + offset + k] = 1;
                offset += rank;
            }
            using var scope = DisposeScope.Begin();
            var maskTensor = Tensor.From<float>(mask, [Rows, 1, total]);
            if (device.Type != DeviceType.Cpu) maskTensor = maskTensor.To(device);
            result.Add(new StackedLora(
                Tensor.Cat(pairs.Select(pr => pr.A).ToArray(), 0).DetachFromScope(),
                Tensor.Cat(pairs.Select(pr => pr.B).ToArray(), 1).Contiguous().DetachFromScope(),
                maskTensor.DetachFromScope(),
                byScale.Key));
        }
        stacks[(layer, projection)] = result;
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in groups) g.Index.Dispose();
        groups.Clear();
        foreach (var list in stacks.Values)
            foreach (var s in list) s.Dispose();
        stacks.Clear();
    }
}

/// <summary>The rows of a batch that use one adapter.</summary>
/// <param name="Adapter">The adapter.</param>
/// <param name="Rows">Its rows, ascending.</param>
/// <param name="Index">The same rows as an int64 index vector (for IndexSelect/IndexCopy).</param>
public sealed record RowAdapterGroup(LoraAdapter Adapter, IReadOnlyList<int> Rows, Tensor Index);

/// <summary>Adapters of one scale stacked along the rank for one projection (<see cref="RowAdapters.Stacked"/>).</summary>
/// <param name="A">[Σr, in].</param>
/// <param name="B">[out, Σr].</param>
/// <param name="Mask">[rows, 1, Σr]: 1 on a row's own adapter's rank columns.</param>
/// <param name="Scale">The adapters' common scale.</param>
internal sealed record StackedLora(Tensor A, Tensor B, Tensor Mask, double Scale) : IDisposable
{
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        Mask.Dispose();
    }
}
