using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Training.Batching;
using SelfSpec.Torch;

namespace SelfSpec.Training;

/// <summary>
/// Hugging Face's causal-LM cross-entropy: logits at position t predict the label at t + 1, labels of −100 are
/// ignored. Returned as a sum over target tokens, so micro-batches can be combined into the mean over an
/// effective batch by dividing by its total target count.
/// </summary>
public static class CausalLanguageModelLoss
{
    /// <summary>The summed token loss of <paramref name="batch"/> (a scalar float32 tensor, differentiable w.r.t. the adapter).</summary>
    public static Tensor Sum(LlamaModel model, LoraAdapter? adapter, CollatedBatch batch)
    {
        using var scope = DisposeScope.Begin();
        var logits = model.Forward(batch.InputIds, batch.AttentionMask, adapter: adapter);
        return scope.MoveToOuter(SumFromLogits(logits, batch.Labels));
    }

    /// <summary>The summed token loss of logits [B, T, V] against labels [B, T] (shift inside).</summary>
    public static Tensor SumFromLogits(Tensor logits, Tensor labels)
    {
        using var scope = DisposeScope.Begin();
        var t = logits.Size(1);
        var v = logits.Size(2);
        var shiftedLogits = logits.Narrow(1, 0, t - 1).Reshape(-1, v);
        var shiftedLabels = labels.Narrow(1, 1, t - 1).Reshape(-1);
        var loss = Functional.CrossEntropy(shiftedLogits, shiftedLabels, Reduction.Sum, ignoreIndex: -100);
        return scope.MoveToOuter(loss);
    }
}
