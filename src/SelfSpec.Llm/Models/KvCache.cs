using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>
/// Keys and values of every layer for a batch of sequences, preallocated to a fixed capacity so decoding
/// writes each new token in place and never reallocates. Layout per layer: [batch, kv heads, capacity, head_dim].
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    /// <summary>Allocates a cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> positions.</summary>
    public KvCache(LlamaConfig config, int batch, int capacity, DType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Batch = batch;
        Capacity = capacity;
        keys = new Tensor[config.NumLayers];
        values = new Tensor[config.NumLayers];
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < config.NumLayers; l++)
        {
            keys[l] = Tensor.Zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromScope();
            values[l] = Tensor.Zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device).DetachFromScope();
        }
    }

    /// <summary>Rows in the batch.</summary>
    public int Batch { get; private set; }

    /// <summary>Positions the cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled so far (the same for every row; padding occupies positions too).</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Writes the keys and values of <paramref name="newTokens"/> positions for <paramref name="layer"/> after the
    /// filled part and returns views of everything filled including them.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v, int newTokens)
    {
        EnsureRoom(newTokens);
        using (var kSlot = keys[layer].Narrow(2, Length, newTokens)) kSlot.CopyFrom(k);
        using (var vSlot = values[layer].Narrow(2, Length, newTokens)) vSlot.CopyFrom(v);
        return (keys[layer].Narrow(2, 0, Length + newTokens), values[layer].Narrow(2, 0, Length + newTokens));
    }

    /// <summary>Throws unless <paramref name="newTokens"/> more positions fit.</summary>
    /// <exception cref="InvalidOperationException">The cache is full.</exception>
    internal void EnsureRoom(int newTokens)
    {
        if (Length + newTokens > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} + {newTokens} positions exceed its capacity {Capacity}");
    }

    /// <summary>The key cache of <paramref name="layer"/>, [batch, kv heads, capacity, head_dim] (positions past <see cref="Length"/> unfilled).</summary>
    internal Tensor Keys(int layer) => keys[layer];

    /// <summary>The value cache of <paramref name="layer"/>, shaped like <see cref="Keys"/>.</summary>
    internal Tensor Values(int layer) => values[layer];

    /// <summary>Marks <paramref name="newTokens"/> more positions as filled (after every layer has appended them).</summary>
    internal void Advance(int newTokens) => Length += newTokens;

    /// <summary>Forgets everything (the memory stays allocated).</summary>
    public void Reset() => Length = 0;

    /// <summary>Reorders the rows: row i becomes the old row <paramref name="rowIndices"/>[i] (beam search); <see cref="KeepRows"/> with as many indices as rows.</summary>
    public void Reorder(Tensor rowIndices) => KeepRows(rowIndices);

    /// <summary>
    /// Fills the first positions of every row with the keys and values of <paramref name="prefix"/>, a one-row cache
    /// of a prompt prefix that all rows share, so the prefix is computed once instead of once per row. The cache must
    /// be empty; afterwards it holds <c>prefix.Length</c> positions.
    /// </summary>
    public void FillSharedPrefix(KvCache prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (Length != 0) throw new InvalidOperationException($"a shared prefix goes into an empty cache; this one holds {Length} positions");
        if (prefix.Batch != 1 || prefix.keys.Length != keys.Length) throw new ArgumentException($"the prefix must be a one-row cache of the same model, got {prefix.Batch} rows, {prefix.keys.Length} layers", nameof(prefix));
        if (prefix.Length > Capacity) throw new ArgumentException($"the prefix's {prefix.Length} positions exceed this cache's capacity {Capacity}", nameof(prefix));
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < keys.Length; l++)
        {
            keys[l].Narrow(2, 0, prefix.Length).CopyFrom(prefix.keys[l].Narrow(2, 0, prefix.Length).Expand(Batch, -1, -1, -1));
            values[l].Narrow(2, 0, prefix.Length).CopyFrom(prefix.values[l].Narrow(2, 0, prefix.Length).Expand(Batch, -1, -1, -1));
        }
        Length = prefix.Length;
    }

    /// <summary>
    /// Keeps only the rows <paramref name="rowIndices"/> (int64, in that order; repeats allowed) and frees the others:
    /// row i becomes the old row <c>rowIndices[i]</c>, the cache has <c>rowIndices.Size(0)</c> rows, filled length unchanged.
    /// </summary>
    public void KeepRows(Tensor rowIndices)
    {
        ArgumentNullException.ThrowIfNull(rowIndices);
        if (rowIndices.Dim != 1 || rowIndices.Size(0) < 1) throw new ArgumentException($"rowIndices must be a non-empty vector, got {rowIndices}", nameof(rowIndices));
        for (var l = 0; l < keys.Length; l++)
        {
            // Detached like the constructor's tensors: the cache owns them, not a DisposeScope the caller may have open.
            var k = keys[l].IndexSelect(0, rowIndices).DetachFromScope();
            var v = values[l].IndexSelect(0, rowIndices).DetachFromScope();
            keys[l].Dispose();
            values[l].Dispose();
            keys[l] = k;
            values[l] = v;
        }
        Batch = (int)rowIndices.Size(0);
    }

    /// <summary>
    /// A new cache of <paramref name="capacity"/> positions, <paramref name="length"/> of them filled, whose row i copies
    /// <paramref name="rows"/>[i]: a range of filled positions of a row of some cache, placed at a column of the new one
    /// (the columns before it are left zero, i.e. padding the caller masks). This is how a continuous batch adds a
    /// prefilled request right-aligned to the batch's length, drops rows that finished, cuts leading columns that are
    /// padding in every row, and grows. The sources stay as they are.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, a range outside its source, or a target past <paramref name="length"/>.</exception>
    public static KvCache Compose(int capacity, int length, IReadOnlyList<KvRowSource> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("a cache needs at least one row", nameof(rows));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (length < 0 || length > capacity) throw new ArgumentOutOfRangeException(nameof(length), length, $"must be within the capacity {capacity}");
        var shape = rows[0].Cache.keys[0];
        var layers = rows[0].Cache.keys.Length;
        foreach (var r in rows)
        {
            if (r.Cache.keys.Length != layers) throw new ArgumentException("the source caches belong to different models", nameof(rows));
            if (r.Row < 0 || r.Row >= r.Cache.Batch || r.Start < 0 || r.Count < 0 || r.Start + r.Count > r.Cache.Length)
                throw new ArgumentException($"row {r.Row} positions [{r.Start}, {r.Start + r.Count}) are outside the source cache ({r.Cache.Batch} rows, {r.Cache.Length} filled)", nameof(rows));
            if (r.Target < 0 || r.Target + r.Count > length)
                throw new ArgumentException($"positions [{r.Target}, {r.Target + r.Count}) do not fit the filled length {length}", nameof(rows));
        }
        var result = new KvCache(layers, rows.Count, capacity, shape.Size(1), shape.Size(3), shape.DType, shape.Device) { Length = length };
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < layers; l++)
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                if (r.Count == 0) continue;
                result.keys[l].Select(0, i).Narrow(1, r.Target, r.Count).CopyFrom(r.Cache.keys[l].Select(0, r.Row).Narrow(1, r.Start, r.Count));
                result.values[l].Select(0, i).Narrow(1, r.Target, r.Count).CopyFrom(r.Cache.values[l].Select(0, r.Row).Narrow(1, r.Start, r.Count));
            }
        return result;
    }

    private KvCache(int layers, int batch, int capacity, long kvHeads, long headDim, DType dtype, Device device)
    {
        Batch = batch;
        Capacity = capacity;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < layers; l++)
        {
            keys[l] = Tensor.Zeros([batch, kvHeads, capacity, headDim], dtype, device).DetachFromScope();
            values[l] = Tensor.Zeros([batch, kvHeads, capacity, headDim], dtype, device).DetachFromScope();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
    }
}

/// <summary>Where one row of a <see cref="KvCache.Compose"/>d cache comes from.</summary>
/// <param name="Cache">The source cache.</param>
/// <param name="Row">The source row.</param>
/// <param name="Start">The first source position to copy.</param>
/// <param name="Count">How many positions to copy.</param>
/// <param name="Target">The position of the first copied one in the new cache.</param>
public readonly record struct KvRowSource(KvCache Cache, int Row, int Start, int Count, int Target);
