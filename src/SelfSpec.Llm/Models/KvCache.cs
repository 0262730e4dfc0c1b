using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>
/// Keys and values of every layer for a batch of sequences, preallocated to a fixed capacity so decoding
/// writes each new token in place and never reallocates. Layout per layer: [batch, kv heads, capacity, head_dim].
/// </summary>
public sealed class KvCache : IDisposable
{
    // The allocated rows (RowCapacity of them) and views of the first Batch, the rows in use.
    private readonly Tensor[] keyRows;
    private readonly Tensor[] valueRows;
    private readonly Tensor[] keys;
    private readonly Tensor[] values;

    /// <summary>Allocates a cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> positions.</summary>
    public KvCache(LlamaConfig config, int batch, int capacity, DType dtype, Device device)
        : this(config.NumLayers, AtLeastOne(batch), batch, AtLeastOne(capacity), config.NumKeyValueHeads, config.HeadDim, dtype, device)
    {
    }

    private static int AtLeastOne(int value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        return value;
    }

    /// <summary>Rows in the batch.</summary>
    public int Batch { get; private set; }

    /// <summary>Rows allocated: <see cref="AppendRow"/> adds rows in place up to this many.</summary>
    public int RowCapacity { get; private set; }

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
            keyRows[l].Dispose();
            valueRows[l].Dispose();
            keyRows[l] = k;
            valueRows[l] = v;
            keys[l] = k.Alias().DetachFromScope();
            values[l] = v.Alias().DetachFromScope();
        }
        Batch = RowCapacity = (int)rowIndices.Size(0);
    }

    /// <summary>
    /// Adds a row in place after the last one (no other row moves): positions [<paramref name="start"/>,
    /// <paramref name="start"/> + <paramref name="count"/>) of row <paramref name="row"/> of <paramref name="source"/> go to
    /// positions [<paramref name="target"/>, …) of the new row; its other filled positions are zeroed (padding the caller
    /// masks). Needs a free allocated row (<see cref="Batch"/> &lt; <see cref="RowCapacity"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The range lies outside the source's filled part or past this cache's <see cref="Length"/>.</exception>
    /// <exception cref="InvalidOperationException">Every allocated row is in use.</exception>
    public void AppendRow(KvCache source, int row, int start, int count, int target)
    {
        ArgumentNullException.ThrowIfNull(source);
        var from = new KvRowSource(source, row, start, count, target);
        CheckSource(from, Length, nameof(source));
        if (Batch == RowCapacity) throw new InvalidOperationException($"all {RowCapacity} allocated rows are in use");
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < keys.Length; l++)
        {
            CopyRow(keyRows[l], Batch, source.keys[l], from);
            CopyRow(valueRows[l], Batch, source.values[l], from);
        }
        SetBatch(Batch + 1);
    }

    /// <summary>
    /// Removes row <paramref name="row"/> in place: the last row moves into its place (its positions from
    /// <paramref name="lastRowStart"/> to <see cref="Length"/>; the ones before, padding, zeroed) and the batch has one row less.
    /// Row order changes; the caller reorders its own per-row state the same way.
    /// </summary>
    public void RemoveRow(int row, int lastRowStart)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Batch);
        if (lastRowStart < 0 || lastRowStart > Length) throw new ArgumentOutOfRangeException(nameof(lastRowStart), lastRowStart, $"must be within the filled length {Length}");
        var last = Batch - 1;
        if (row != last)
        {
            var moved = new KvRowSource(this, last, lastRowStart, Length - lastRowStart, lastRowStart);
            using var scope = DisposeScope.Begin();
            for (var l = 0; l < keys.Length; l++)
            {
                CopyRow(keyRows[l], row, keyRows[l], moved);
                CopyRow(valueRows[l], row, valueRows[l], moved);
            }
        }
        SetBatch(last);
    }

    /// <summary>
    /// Moves every row's filled positions <paramref name="columns"/> later, in place (a right-aligned batch making room
    /// for a longer row at its left); the first <paramref name="columns"/> positions then hold stale values the caller masks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The filled part would not fit the capacity.</exception>
    public void ShiftRight(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        EnsureRoom(columns);
        if (columns == 0) return;
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < keys.Length; l++)
        {
            // Source and target overlap, which a copy does not allow: through a temporary.
            keys[l].Narrow(2, columns, Length).CopyFrom(keys[l].Narrow(2, 0, Length).Clone());
            values[l].Narrow(2, columns, Length).CopyFrom(values[l].Narrow(2, 0, Length).Clone());
        }
        Length += columns;
    }

    private void SetBatch(int batch)
    {
        for (var l = 0; l < keys.Length; l++)
        {
            keys[l].Dispose();
            values[l].Dispose();
            keys[l] = keyRows[l].Narrow(0, 0, batch).DetachFromScope();
            values[l] = valueRows[l].Narrow(0, 0, batch).DetachFromScope();
        }
        Batch = batch;
    }

    /// <summary>
    /// A new cache of <paramref name="capacity"/> positions, <paramref name="length"/> of them filled, whose row i copies
    /// <paramref name="rows"/>[i]: a range of filled positions of a row of some cache, placed at a column of the new one
    /// (the row's other filled columns are zero, i.e. padding the caller masks; columns past the length are unwritten). This is how a continuous batch adds a
    /// prefilled request right-aligned to the batch's length, drops rows that finished, cuts leading columns that are
    /// padding in every row, and grows. The sources stay as they are. <paramref name="rowCapacity"/> (at least the rows
    /// given; default: as many) allocates spare rows that <see cref="AppendRow"/> can fill later without copying the others.
    /// </summary>
    /// <exception cref="ArgumentException">No rows, a range outside its source, or a target past <paramref name="length"/>.</exception>
    public static KvCache Compose(int capacity, int length, IReadOnlyList<KvRowSource> rows, int? rowCapacity = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("a cache needs at least one row", nameof(rows));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (length < 0 || length > capacity) throw new ArgumentOutOfRangeException(nameof(length), length, $"must be within the capacity {capacity}");
        var shape = rows[0].Cache.keys[0];
        var layers = rows[0].Cache.keys.Length;
        var allocated = rowCapacity ?? rows.Count;
        if (allocated < rows.Count) throw new ArgumentOutOfRangeException(nameof(rowCapacity), rowCapacity, $"must hold the {rows.Count} rows");
        foreach (var r in rows)
        {
            if (r.Cache.keys.Length != layers) throw new ArgumentException("the source caches belong to different models", nameof(rows));
            CheckSource(r, length, nameof(rows));
        }
        // Uninitialised memory, and each row's padding zeroed: the positions past the filled length are written before
        // they are read, so zeroing the whole capacity (as much again as the copies) would be wasted.
        var result = new KvCache(layers, rows.Count, allocated, capacity, shape.Size(1), shape.Size(3), shape.DType, shape.Device, zeroed: false) { Length = length };
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < layers; l++)
            for (var i = 0; i < rows.Count; i++)
            {
                result.CopyRow(result.keyRows[l], i, rows[i].Cache.keys[l], rows[i]);
                result.CopyRow(result.valueRows[l], i, rows[i].Cache.values[l], rows[i]);
            }
        return result;
    }

    /// <summary>
    /// Copies the source's range into row <paramref name="row"/> of <paramref name="rowsOfLayer"/> and zeroes the row's
    /// other filled positions (padding the caller masks: zero, not stale, because a path that weighs masked positions
    /// by zero would turn a NaN there into a NaN result).
    /// </summary>
    private void CopyRow(Tensor rowsOfLayer, int row, Tensor sourceOfLayer, KvRowSource r)
    {
        using var target = rowsOfLayer.Select(0, row);
        if (r.Target > 0)
            using (var before = target.Narrow(1, 0, r.Target)) before.Zero();
        if (r.Target + r.Count < Length)
            using (var after = target.Narrow(1, r.Target + r.Count, Length - r.Target - r.Count)) after.Zero();
        if (r.Count == 0) return;
        using var to = target.Narrow(1, r.Target, r.Count);
        using var from = sourceOfLayer.Select(0, r.Row);
        using var range = from.Narrow(1, r.Start, r.Count);
        to.CopyFrom(range);
    }

    private static void CheckSource(KvRowSource r, int length, string parameter)
    {
        if (r.Row < 0 || r.Row >= r.Cache.Batch || r.Start < 0 || r.Count < 0 || r.Start + r.Count > r.Cache.Length)
            throw new ArgumentException($"row {r.Row} positions [{r.Start}, {r.Start + r.Count}) are outside the source cache ({r.Cache.Batch} rows, {r.Cache.Length} filled)", parameter);
        if (r.Target < 0 || r.Target + r.Count > length)
            throw new ArgumentException($"positions [{r.Target}, {r.Target + r.Count}) do not fit the filled length {length}", parameter);
    }

    private KvCache(int layers, int batch, int rowCapacity, int capacity, long kvHeads, long headDim, DType dtype, Device device, bool zeroed = true)
    {
        Batch = batch;
        RowCapacity = rowCapacity;
        Capacity = capacity;
        keyRows = new Tensor[layers];
        valueRows = new Tensor[layers];
        keys = new Tensor[layers];
        values = new Tensor[layers];
        using var scope = DisposeScope.Begin();
        for (var l = 0; l < layers; l++)
        {
            long[] shape = [rowCapacity, kvHeads, capacity, headDim];
            keyRows[l] = (zeroed ? Tensor.Zeros(shape, dtype, device) : Tensor.Empty(shape, dtype, device)).DetachFromScope();
            valueRows[l] = (zeroed ? Tensor.Zeros(shape, dtype, device) : Tensor.Empty(shape, dtype, device)).DetachFromScope();
            keys[l] = keyRows[l].Narrow(0, 0, batch).DetachFromScope();
            values[l] = valueRows[l].Narrow(0, 0, batch).DetachFromScope();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
        foreach (var t in keyRows) t?.Dispose();
        foreach (var t in valueRows) t?.Dispose();
    }
}

/// <summary>Where one row of a <see cref="KvCache.Compose"/>d cache comes from.</summary>
/// <param name="Cache">The source cache.</param>
/// <param name="Row">The source row.</param>
/// <param name="Start">The first source position to copy.</param>
/// <param name="Count">How many positions to copy.</param>
/// <param name="Target">The position of the first copied one in the new cache.</param>
public readonly record struct KvRowSource(KvCache Cache, int Row, int Start, int Count, int Target);
