using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Serving;

/// <summary>
/// The running rows that share one decode step and one KV cache. Rows are right-aligned: every row's cached positions end
/// at the cache's length, and the columns before a row's first position are padding its attention mask hides (positions
/// come from the mask, so a row sees exactly what it would alone). Rows join after their prompt was prefilled (alone or
/// in a pass with others) and, once ended, leave at the next rebuild, which also drops the leading columns that became
/// padding in every row.
/// </summary>
internal sealed class DecodeBatch : IDisposable
{
    private readonly LlamaModel model;
    private readonly int chunk;
    private readonly ServingMetrics metrics;
    private KvCache? cache;
    private RowAdapters? adapters;

    public DecodeBatch(LlamaModel model, bool fused, int maxRows, int chunk, ServingMetrics metrics)
    {
        this.metrics = metrics;
        this.model = model;
        Fused = fused;
        MaxRows = maxRows;
        this.chunk = chunk;
    }

    /// <summary>Whether this batch's rows are decoded by the fused per-layer kernel (rows for which <see cref="LlamaModel.DecodesFused"/> holds, at most <see cref="LlamaModel.MaxFusedDecodeRows"/>).</summary>
    public bool Fused { get; }

    public int MaxRows { get; }

    public List<ActiveSequence> Rows { get; } = [];

    /// <summary>Filled positions of the cache (the longest row's).</summary>
    public int Length => cache?.Length ?? 0;

    /// <summary>
    /// Adds prefilled sequences (each holding a one-row <see cref="ActiveSequence.PrefillCache"/>), drops the ended ones,
    /// and grows the cache when the next step's position does not fit. Where the cache has the room, this happens in
    /// place: an ended row's place takes the last row, a joining row is copied into the next free row (the batch first
    /// moving right when its prompt is longer than the batch), and no other row is copied. Otherwise (rows or positions
    /// run out) a new cache is composed, which also drops the leading columns that became padding in every row.
    /// </summary>
    public void Rebuild(IReadOnlyList<ActiveSequence> joining)
    {
        var ending = Rows.Count(r => r.Result != null);
        if (ending == 0 && joining.Count == 0)
        {
            if (cache != null && cache.Length + 1 > cache.Capacity) Compose(Rows);
            return;
        }
        if (!TryRebuildInPlace(ending, joining))
        {
            var all = Rows.Where(r => r.Result == null).Concat(joining).ToList();
            Compose(all);
            Rows.Clear();
            Rows.AddRange(all);
        }
        foreach (var j in joining)
        {
            j.PrefillCache!.Dispose();
            j.PrefillCache = null;
        }
        ResetAdapters();
    }

    /// <summary>Drops the ended rows and adds <paramref name="joining"/> without copying the other rows, if the cache has the room; false (nothing changed) if not.</summary>
    private bool TryRebuildInPlace(int ending, IReadOnlyList<ActiveSequence> joining)
    {
        // No row staying: a new cache copies no more and starts without the old padding.
        if (cache == null || ending == Rows.Count) return false;
        var rows = Rows.Count - ending + joining.Count;
        var shift = Math.Max(0, joining.Select(j => j.Cached).DefaultIfEmpty(0).Max() - cache.Length);
        if (rows > cache.RowCapacity || cache.Length + shift + 1 > cache.Capacity) return false;
        // From the end down, so the row moved into an ended row's place has been looked at already.
        for (var i = Rows.Count - 1; i >= 0; i--)
        {
            if (Rows[i].Result == null) continue;
            var last = Rows.Count - 1;
            cache.RemoveRow(i, cache.Length - Rows[last].Cached);
            Rows[i] = Rows[last];
            Rows.RemoveAt(last);
        }
        cache.ShiftRight(shift);
        foreach (var j in joining)
        {
            cache.AppendRow(j.PrefillCache!, 0, 0, j.Cached, cache.Length - j.Cached);
            Rows.Add(j);
        }
        metrics.CountRowChanges(ending + joining.Count);
        return true;
    }

    /// <summary>Runs one decode step for every row and returns the logits, [rows, vocab] (float32).</summary>
    public Tensor Step()
    {
        if (cache == null || Rows.Count == 0) throw new InvalidOperationException("an empty batch has no step");
        cache.EnsureRoom(1); // Rebuild grows it
        var rows = Rows.Count;
        var length = cache.Length;
        var ids = new long[rows];
        var padded = false;
        for (var i = 0; i < rows; i++)
        {
            ids[i] = Rows[i].Pending;
            if (Rows[i].Cached < length) padded = true;
        }
        using var scope = DisposeScope.Begin();
        var input = ToDevice(Tensor.From<long>(ids, [rows, 1]));
        Tensor? mask = null;
        if (padded)
        {
            var m = new long[rows * (length + 1)];
            for (var i = 0; i < rows; i++)
                for (var c = length - Rows[i].Cached; c <= length; c++) m[i * (length + 1) + c] = 1;
            mask = ToDevice(Tensor.From<long>(m, [rows, length + 1]));
        }
        adapters ??= new RowAdapters(Rows.Select(r => r.Adapter).ToArray(), model.Device);
        var logits = model.Forward(input, mask, cache, adapters, lastPositionOnly: true).Select(1, 0);
        foreach (var r in Rows) r.Cached++;
        return scope.MoveToOuter(logits);
    }

    private Tensor ToDevice(Tensor t) => model.Device.Type == DeviceType.Cpu ? t : t.To(model.Device);

    /// <summary>
    /// A new cache holding <paramref name="rows"/> right-aligned, with room for as many positions again (at least a
    /// chunk; rounded up to the chunk): the steps ahead and rows joining in place fill it before the next rebuild, so
    /// rebuilds get rarer as the batch runs longer, and the room costs only address space until it is written.
    /// </summary>
    private void Compose(IReadOnlyList<ActiveSequence> rows)
    {
        if (rows.Count == 0)
        {
            cache?.Dispose();
            cache = null;
            return;
        }
        var length = rows.Max(r => r.Cached);
        var capacity = (length + Math.Max(length, chunk) + chunk - 1) / chunk * chunk;
        var sources = rows.Select(r => r.PrefillCache is { } own
            ? new KvRowSource(own, 0, 0, r.Cached, length - r.Cached)
            : new KvRowSource(cache!, Rows.IndexOf(r), cache!.Length - r.Cached, r.Cached, length - r.Cached)).ToArray();
        var next = KvCache.Compose(capacity, length, sources, RowCapacityFor(rows.Count));
        metrics.CountCompose();
        cache?.Dispose();
        cache = next;
    }

    /// <summary>Rows to allocate for <paramref name="rows"/>: up to the next multiple of 8 (within <see cref="MaxRows"/>), spare rows that others can join in place.</summary>
    private int RowCapacityFor(int rows) => Math.Max(rows, Math.Min(MaxRows, (rows + 7) / 8 * 8));

    private void ResetAdapters()
    {
        adapters?.Dispose();
        adapters = null;
    }

    public void Dispose()
    {
        cache?.Dispose();
        ResetAdapters();
    }
}
