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

    /// <param name="prompts">One token-id list per row.</param>
    /// <param name="maxNewTokens">Columns to reserve for generated tokens.</param>
    /// <param name="padTokenId">The id written into padding.</param>
    /// <param name="device">Where <see cref="NextInput"/> and <see cref="Mask"/> put their tensors.</param>
    /// <param name="sharedPrefix">
    /// Leading tokens every prompt has in common, kept as the first columns of every row; the rest of each prompt is
    /// left-padded after them (<c>[prefix][padding][suffix]</c>), so the prefix sits at the same columns in every row and
    /// its keys and values can be computed once (<see cref="TextGenerator"/>). 0: plain left padding.
    /// </param>
    public PaddedBatch(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, int padTokenId, Device device, int sharedPrefix = 0)
    {
        this.device = device;
        Rows = prompts.Count;
        SharedPrefix = sharedPrefix;
        PromptLength = sharedPrefix + prompts.Max(p => p.Count - sharedPrefix);
        Capacity = PromptLength + maxNewTokens;
        Length = PromptLength;
        HasPadding = prompts.Any(p => p.Count != PromptLength);
        ids = new long[Rows * Capacity];
        mask = new long[Rows * Capacity];
        Array.Fill(ids, padTokenId);
        for (var b = 0; b < Rows; b++)
        {
            var row = b * Capacity;
            for (var j = 0; j < sharedPrefix; j++)
            {
                ids[row + j] = prompts[b][j];
                mask[row + j] = 1;
            }
            var offset = PromptLength - prompts[b].Count;
            for (var j = sharedPrefix; j < prompts[b].Count; j++)
            {
                ids[row + offset + j] = prompts[b][j];
                mask[row + offset + j] = 1;
            }
        }
    }

    /// <summary>Leading columns that hold the prompts' common prefix (0 when not shared).</summary>
    public int SharedPrefix { get; }

    /// <summary>The common prefix's ids (the first <see cref="SharedPrefix"/> columns of any row).</summary>
    public Tensor Prefix()
    {
        var t = Tensor.From<long>(ids.AsSpan(0, SharedPrefix), [1, SharedPrefix]);
        return device.Type == DeviceType.Cpu ? t : t.To(device);
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
    public void Reorder(IReadOnlyList<long> source) => KeepRows(source.Select(s => (int)s).ToArray());

    /// <summary>
    /// Keeps only the rows <paramref name="rows"/>, in that order (finished rows leaving the batch; repeats allowed):
    /// row i becomes old row <paramref name="rows"/>[i].
    /// </summary>
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
