using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>Row bookkeeping for batches whose finished rows leave (<see cref="GenerationOptions.DropFinishedRows"/>).</summary>
internal static class BatchRows
{
    /// <summary>An int64 index vector of <paramref name="rows"/> on <paramref name="device"/> (for IndexSelect / IndexCopy).</summary>
    public static Tensor Index(IEnumerable<int> rows, Device device)
    {
        var index = Tensor.From<long>(rows.Select(r => (long)r).ToArray());
        return device.Type == DeviceType.Cpu ? index : index.To(device);
    }

    /// <summary>
    /// [<paramref name="total"/>, V] with row <paramref name="rowOf"/>[i] = row i of <paramref name="rows"/> [rowOf.Count, V]
    /// and zeros elsewhere: the sampler always sees the whole batch, so its random draws per row do not depend on which
    /// rows have left. <paramref name="rows"/> itself when nothing has left.
    /// </summary>
    public static Tensor Widen(Tensor rows, IReadOnlyList<int> rowOf, int total)
    {
        if (rowOf.Count == total) return rows;
        using var index = Index(rowOf, rows.Device);
        return Tensor.Zeros([total, rows.Size(1)], rows.DType, rows.Device).IndexCopyInPlace(0, index, rows);
    }
}
