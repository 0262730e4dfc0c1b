namespace SelfSpec.Llm.Serving;

/// <summary>Log-probabilities from one row of logits: log_softmax in double precision, and the top tokens sorted most likely first, ties by token id.</summary>
public static class LogprobTable
{
    /// <summary>log_softmax(<paramref name="logits"/>)[<paramref name="token"/>] and the <paramref name="top"/> most likely tokens.</summary>
    public static GeneratedToken For(ReadOnlySpan<float> logits, int token, int top)
    {
        var logZ = LogSumExp(logits);
        var chosen = logits[token] - logZ;
        return new GeneratedToken(token, chosen, top > 0 ? Top(logits, logZ, top) : []);
    }

    /// <summary>log Σ exp(logits), stable.</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var l in logits) if (l > max) max = l;
        if (double.IsNegativeInfinity(max)) return max;
        var sum = 0.0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return max + Math.Log(sum);
    }

    /// <summary>The <paramref name="count"/> most likely tokens (all when it is at least the vocabulary), most likely first, ties by id.</summary>
    public static IReadOnlyList<TokenLogprob> Top(ReadOnlySpan<float> logits, double logZ, int count)
    {
        count = Math.Min(count, logits.Length);
        // A min-heap of the best `count` so far, whose root is the worst kept: (lower logit, or equal logit and higher id).
        var heap = new PriorityQueue<int, (float Logit, int NegId)>(count + 1);
        for (var i = 0; i < logits.Length; i++)
        {
            var key = (logits[i], -i);
            if (heap.Count < count) heap.Enqueue(i, key);
            else if (heap.TryPeek(out _, out var worst) && Compare(key, worst) > 0) heap.EnqueueDequeue(i, key);
        }
        var result = new TokenLogprob[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            var id = heap.Dequeue();
            result[i] = new TokenLogprob(id, logits[id] - logZ);
        }
        return result;
    }

    private static int Compare((float Logit, int NegId) a, (float Logit, int NegId) b) =>
        a.Logit != b.Logit ? a.Logit.CompareTo(b.Logit) : a.NegId.CompareTo(b.NegId);
}
