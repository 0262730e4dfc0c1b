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
    /// and grows the cache when the next step's position does not fit.
    /// </summary>
    public void Rebuild(IReadOnlyList<ActiveSequence> joining)
    {
        var keep = Rows.Where(r => r.Result == null).ToList();
        if (keep.Count == Rows.Count && joining.Count == 0)
        {
            if (cache != null && cache.Length + 1 > cache.Capacity) Compose(Rows, extra: chunk);
            return;
        }
        var all = keep.Concat(joining).ToList();
        Compose(all, extra: 1);
        foreach (var j in joining)
        {
            j.PrefillCache!.Dispose();
            j.PrefillCache = null;
        }
        Rows.Clear();
        Rows.AddRange(all);
        ResetAdapters();
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

    /// <summary>A new cache holding <paramref name="rows"/> right-aligned, with room for <paramref name="extra"/> more positions (rounded up to the chunk).</summary>
    private void Compose(IReadOnlyList<ActiveSequence> rows, int extra)
    {
        if (rows.Count == 0)
        {
            cache?.Dispose();
            cache = null;
            return;
        }
        var length = rows.Max(r => r.Cached);
        var capacity = (length + extra + chunk - 1) / chunk * chunk;
        var sources = rows.Select(r => r.PrefillCache is { } own
            ? new KvRowSource(own, 0, 0, r.Cached, length - r.Cached)
            : new KvRowSource(cache!, Rows.IndexOf(r), cache!.Length - r.Cached, r.Cached, length - r.Cached)).ToArray();
        var next = KvCache.Compose(capacity, length, sources);
        metrics.CountCompose();
        cache?.Dispose();
        cache = next;
    }

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
