using SelfSpec.Evaluation.Metrics;

namespace SelfSpec.Evaluation.Tests.Metrics;

public class RougeLPoolTests
{
    private static readonly string[] Words =
        ["classify", "the", "sentence", "given", "protein", "gene", "disease", "extract", "entities", "from", "abstract",
         "answer", "question", "about", "drug", "interaction", "summarize", "a", "biomedical", "text", "list", "all"];

    private static List<string> RandomInstructions(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(3, 25)).Select(_ => Words[random.Next(Words.Length)])))
            .ToList();
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(3000, 4)] // above the parallel threshold
    public void Max_against_the_pool_equals_the_max_of_pairwise_scores(int poolSize, int threads)
    {
        var pool = new RougeLPool(maxDegreeOfParallelism: threads);
        var texts = RandomInstructions(poolSize, 7);
        pool.AddRange(texts);
        foreach (var candidate in RandomInstructions(20, 8).Append("completely unrelated words here").Append(texts[11]))
        {
            var scores = texts.Select(t => RougeL.Score(t, candidate).FMeasure).ToList();
            var best = pool.MaxAgainst(candidate);
            Assert.Equal(scores.Max(), best.FMeasure, 12);
            Assert.Equal(scores.IndexOf(scores.Max()), best.Index);
            Assert.Equal(scores, pool.ScoreAll(candidate).ToList());
        }
    }

    [Fact]
    public void Novelty_filter_keeps_exactly_what_sequential_pairwise_scoring_keeps()
    {
        var seeds = RandomInstructions(40, 1);
        var candidates = RandomInstructions(400, 2);
        candidates.Add(seeds[3]); // exact duplicate scores 1.0
        var pool = new RougeLPool();
        pool.AddRange(seeds);
        var kept = new List<string>(seeds);
        var keptByPool = new List<string>();
        var keptByReference = new List<string>();
        foreach (var c in candidates)
        {
            if (pool.TryAddIfNovel(c, 0.7, out _)) keptByPool.Add(c);
            if (kept.Max(k => RougeL.Score(k, c).FMeasure) <= 0.7)
            {
                kept.Add(c);
                keptByReference.Add(c);
            }
        }
        Assert.Equal(keptByReference, keptByPool);
        Assert.DoesNotContain(seeds[3], keptByPool);
        Assert.InRange(keptByPool.Count, 1, candidates.Count - 1);
    }

    [Fact]
    public void Novelty_decisions_on_a_large_pool_use_the_parallel_path_and_agree_with_pairwise_scoring()
    {
        var seeds = RandomInstructions(2500, 3);
        var pool = new RougeLPool(maxDegreeOfParallelism: 4);
        pool.AddRange(seeds);
        var kept = new List<string>(seeds);
        foreach (var c in RandomInstructions(60, 5))
        {
            bool reference = kept.Max(k => RougeL.Score(k, c).FMeasure) <= 0.7;
            Assert.Equal(reference, pool.TryAddIfNovel(c, 0.7, out var match));
            if (!reference) Assert.True(match.FMeasure > 0.7);
            if (reference) kept.Add(c);
        }
        Assert.Equal(kept.Count, pool.Count);
    }

    [Fact]
    public void A_score_of_exactly_the_threshold_passes()
    {
        // "a b c d e" vs "a b c x y z q": LCS 3 → F = 6/12 = 0.5
        var pool = new RougeLPool();
        pool.Add("a b c d e");
        Assert.True(pool.TryAddIfNovel("a b c x y z q", 0.5, out var match));
        Assert.Equal(0.5, match.FMeasure, 12);
        Assert.False(pool.TryAddIfNovel("a b c d e", 0.99, out match));
        Assert.Equal(1.0, match.FMeasure, 12);
        Assert.Equal(2, pool.Count);
    }

    [Fact]
    public void Neighbours_are_the_top_k_and_the_mean()
    {
        var pool = new RougeLPool();
        pool.AddRange(["a b c d", "a b x y", "q r s t", "a b c d e"]);
        var (nearest, mean) = pool.Neighbours("a b c d", k: 2);
        Assert.Equal([0, 3], nearest.Select(n => n.Index));
        Assert.Equal(1.0, nearest[0].FMeasure, 12);
        Assert.Equal(8.0 / 9, nearest[1].FMeasure, 12);
        Assert.Equal((1.0 + 0.5 + 0 + 8.0 / 9) / 4, mean, 12);
    }

    [Fact]
    public void Empty_pool_and_empty_candidate()
    {
        var pool = new RougeLPool();
        Assert.Equal(new PoolMatch(-1, 0), pool.MaxAgainst("anything"));
        pool.Add("x");
        Assert.Equal(0, pool.MaxAgainst("!!!").FMeasure);
    }
}
