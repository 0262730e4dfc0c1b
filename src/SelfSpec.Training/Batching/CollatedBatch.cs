using SelfSpec.Training.Data;
using SelfSpec.Torch;

namespace SelfSpec.Training.Batching;

/// <summary>
/// Examples padded on the right to a common length: <see cref="InputIds"/> with the pad id, <see cref="Labels"/> with
/// −100, and <see cref="AttentionMask"/> 1 on real tokens. Owns its tensors.
/// </summary>
public sealed class CollatedBatch : IDisposable
{
    private CollatedBatch(Tensor inputIds, Tensor labels, Tensor attentionMask, long realTokens, long targetTokens)
    {
        InputIds = inputIds;
        Labels = labels;
        AttentionMask = attentionMask;
        RealTokens = realTokens;
        TargetTokens = targetTokens;
    }

    /// <summary>[batch, T] int64 token ids.</summary>
    public Tensor InputIds { get; }

    /// <summary>[batch, T] int64 labels, −100 on padding and ignored positions.</summary>
    public Tensor Labels { get; }

    /// <summary>[batch, T] int64, 1 for real tokens and 0 for padding.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>Non-padding tokens.</summary>
    public long RealTokens { get; }

    /// <summary>Positions that count in the loss.</summary>
    public long TargetTokens { get; }

    /// <summary>Pads and stacks <paramref name="examples"/> on <paramref name="device"/>.</summary>
    public static CollatedBatch Create(IReadOnlyList<TrainingExample> examples, int padTokenId, Device device)
    {
        if (examples.Count == 0) throw new ArgumentException("empty batch", nameof(examples));
        var b = examples.Count;
        var t = examples.Max(e => e.Length);
        var ids = new long[b * t];
        var labels = new long[b * t];
        var mask = new long[b * t];
        Array.Fill(ids, padTokenId);
        Array.Fill(labels, TrainingExample.IgnoreIndex);
        long real = 0, targets = 0;
        for (var i = 0; i < b; i++)
        {
            var e = examples[i];
            for (var j = 0; j < e.Length; j++)
            {
                ids[i * t + j] = e.InputIds[j];
                labels[i * t + j] = e.Labels[j];
                mask[i * t + j] = 1;
            }
            real += e.Length;
            targets += e.TargetTokenCount;
        }
        using var scope = DisposeScope.Begin();
        var idsT = Tensor.From<long>(ids, [b, t]).To(device);
        var labelsT = Tensor.From<long>(labels, [b, t]).To(device);
        var maskT = Tensor.From<long>(mask, [b, t]).To(device);
        return new CollatedBatch(scope.Detach(idsT), scope.Detach(labelsT), scope.Detach(maskT), real, targets);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
    }
}
