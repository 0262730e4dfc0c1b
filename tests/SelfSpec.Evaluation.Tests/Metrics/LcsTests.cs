using SelfSpec.Evaluation.Metrics;

namespace SelfSpec.Evaluation.Tests.Metrics;

public class LcsTests
{
    [Theory]
    [InlineData(1, 5, 3)]
    [InlineData(2, 63, 8)]
    [InlineData(3, 64, 4)]
    [InlineData(4, 65, 10)]
    [InlineData(5, 150, 6)]
    [InlineData(6, 200, 30)]
    [InlineData(7, 129, 2)]
    public void Bit_parallel_lcs_equals_the_dynamic_programming_table(int seed, int maxLength, int alphabet)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            var a = Enumerable.Range(0, random.Next(0, maxLength + 1)).Select(_ => random.Next(alphabet)).ToArray();
            var b = Enumerable.Range(0, random.Next(0, maxLength + 1)).Select(_ => random.Next(alphabet)).ToArray();
            Assert.Equal(Lcs.LengthByTable(a, b), Lcs.Length(a, b));
            Assert.Equal(Lcs.LengthByTable(a, b), PatternMasks.Build(a).LcsWith(b));
            Assert.Equal(Lcs.LengthByTable(a, b), PatternMasks.Build(b).LcsWith(a));
        }
    }

    [Fact]
    public void Known_small_cases()
    {
        Assert.Equal(0, Lcs.Length([], [1, 2]));
        Assert.Equal(3, Lcs.Length([1, 2, 3, 4], [1, 3, 4]));
        Assert.Equal(1, Lcs.Length([7, 7, 7], [7]));
        Assert.Equal(2, Lcs.Length([1, 2, 3], [3, 2, 1, 2]));
    }
}
