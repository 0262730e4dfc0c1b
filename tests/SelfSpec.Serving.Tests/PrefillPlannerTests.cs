using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// <see cref="PrefillPlanner"/> splits prompts admitted together into the cheapest passes: checked against every
/// partition of small sets (brute force), and at its limits.
/// </summary>
public sealed class PrefillPlannerTests
{
    private static long Cost(IReadOnlyList<int> lengths, IEnumerable<int[]> passes, int overhead) =>
        passes.Sum(p => overhead + (long)p.Length * p.Max(i => lengths[i]));

    /// <summary>Every way to split indices 0..n-1 into non-empty groups.</summary>
    private static IEnumerable<List<List<int>>> Partitions(int n)
    {
        if (n == 0)
        {
            yield return [];
            yield break;
        }
        foreach (var rest in Partitions(n - 1))
        {
            for (var g = 0; g < rest.Count; g++)
                yield return rest.Select((group, k) => k == g ? group.Append(n - 1).ToList() : group.ToList()).ToList();
            yield return rest.Select(group => group.ToList()).Append([n - 1]).ToList();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(24)]
    [InlineData(100)]
    public void ThePlanCostsNoMoreThanAnyPartitionOfThePrompts(int overhead)
    {
        var rng = new Random(overhead + 1);
        for (var trial = 0; trial < 40; trial++)
        {
            var lengths = Enumerable.Range(0, rng.Next(1, 8)).Select(_ => rng.Next(1, 120)).ToArray();
            var plan = PrefillPlanner.Plan(lengths, overhead);
            Assert.Equal(Enumerable.Range(0, lengths.Length), plan.SelectMany(p => p).Order());
            Assert.All(plan, p => Assert.True(p.Zip(p.Skip(1)).All(x => lengths[x.First] <= lengths[x.Second]), "a pass lists its prompts shortest first"));
            var cheapest = Partitions(lengths.Length).Min(parts => Cost(lengths, parts.Select(g => g.ToArray()), overhead));
            Assert.True(Cost(lengths, plan, overhead) == cheapest,
                $"lengths [{string.Join(",", lengths)}], overhead {overhead}: plan costs {Cost(lengths, plan, overhead)}, the cheapest partition {cheapest}");
        }
    }

    [Fact]
    public void FreePassesPrefillEachPromptAloneAndCostlyOnesShareOnePass()
    {
        int[] lengths = [17, 64, 22, 40];
        Assert.Equal(4, PrefillPlanner.Plan(lengths, overheadTokens: 0).Count);
        Assert.Equal([[0, 2, 3, 1]], PrefillPlanner.Plan(lengths, overheadTokens: 1000));
        Assert.Empty(PrefillPlanner.Plan([]));
    }

    [Fact]
    public void APassStaysWithinItsPositionBoundUnlessOnePromptAloneExceedsIt()
    {
        var plan = PrefillPlanner.Plan([10, 10, 10, 10, 50], overheadTokens: 1000, maxPassPositions: 30);
        Assert.All(plan, p => Assert.True(p.Length == 1 || p.Length * 10 <= 30));
        Assert.Equal(3, plan.Count); // 3 × 10, 1 × 10, the 50-token prompt alone
    }
}
