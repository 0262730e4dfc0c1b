using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// The growing token matrix of a batched decode: prompts left-padded to a common length, one column appended per step,
/// and the attention mask that hides the padding.
/// </summary>
internal sealed class PaddedBatch
{
    private long[] ids;
    private long[] mask;
    private readonly Device device;

    public PaddedBatch(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, int padTokenId, Device device)
    {
        this.device = device;
        Rows = prompts.Count;
        PromptLength = prompts.Max(p => p.Count);
        Capacity = PromptLength + maxNewTokens;
        Length = PromptLength;
        HasPadding = prompts.Any(p => p.Count != PromptLength);
        ids = new long[Rows * Capacity];
        mask = new long[Rows * Capacity];
        Array.Fill(ids, padTokenId);
        for (var b = 0; b < Rows; b++)
        {
            var offset = PromptLength - prompts[b].Count;
            for (var j = 0; j < prompts[b].Count; j++)
            {
                ids[b * Capacity + offset + j] = prompts[b][j];
                mask[b * Capacity + offset + j] = 1;
            }
        }
    }

    public int Rows { get; private set; }
    public int PromptLength { get; }
    public int Capacity { get; }
    public int Length { get; private set; }
    public bool HasPadding { get; }

    /// <summary>The ids to feed next: only the newest column when a cache already holds the rest, else everything.</summary>
    public Tensor NextInput(int cachedLength)
    {
        var start = cachedLength;
        return Columns(ids, start, Length - start);
    }

    /// <summary>The mask over all columns so far, or null when no row is padded.</summary>
    public Tensor? Mask() => HasPadding ? Columns(mask, 0, Length) : null;

    /// <summary>Appends one token per row.</summary>
    public void Append(IReadOnlyList<long> tokens)
    {
        for (var b = 0; b < Rows; b++)
        {
            ids[b * Capacity + Length] = tokens[b];
            mask[b * Capacity + Length] = 1;
        }
        Length++;
    }

    /// <summary>Reorders rows (beam search): row i becomes old row <paramref name="source"/>[i].</summary>
    public void Reorder(IReadOnlyList<long> source)
    {
        var oldIds = (long[])ids.Clone();
        var oldMask = (long[])mask.Clone();
        for (var b = 0; b < Rows; b++)
        {
            Array.Copy(oldIds, source[b] * Capacity, ids, b * Capacity, Capacity);
            Array.Copy(oldMask, source[b] * Capacity, mask, b * Capacity, Capacity);
        }
    }

    /// <summary>Keeps only the rows <paramref name="rows"/>, in that order (finished rows leaving the batch).</summary>
    public void KeepRows(IReadOnlyList<int> rows)
    {
        var newIds = new long[rows.Count * Capacity];
        var newMask = new long[rows.Count * Capacity];
        for (var i = 0; i < rows.Count; i++)
        {
            Array.Copy(ids, rows[i] * Capacity, newIds, i * Capacity, Capacity);
            Array.Copy(mask, rows[i] * Capacity, newMask, i * Capacity, Capacity);
        }
        (ids, mask, Rows) = (newIds, newMask, rows.Count);
    }

    private Tensor Columns(long[] data, int start, int count)
    {
        var slice = new long[Rows * count];
        for (var b = 0; b < Rows; b++) Array.Copy(data, b * Capacity + start, slice, b * count, count);
        var t = Tensor.From<long>(slice, [Rows, count]);
        return device.Type == DeviceType.Cpu ? t : t.To(device);
    }
}
