using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The production similarity pool (the evaluation engine's ROUGE-L) against the test's own plain LCS reference.</summary>
public class RougeLSimilarityIndexTests
{
    [Fact]
    public void AgreesWithTheReferenceRougeLOnTheSeedInstructions()
    {
        var texts = File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"))
            .Select(l => JsonNode.Parse(l)!["instruction"]!.GetValue<string>()).ToList();
        var fast = new RougeLSimilarityIndex(maxDegreeOfParallelism: 2);
        var reference = new PairwiseSimilarityIndex(ReferenceRougeL.F);
        Assert.Equal(new SimilarityMatch(0, null), fast.FindMostSimilar(texts[0]));

        foreach (var text in texts)
        {
            var a = fast.FindMostSimilar(text);
            var b = reference.FindMostSimilar(text);
            Assert.Equal(b.Score, a.Score, 12);
            Assert.Equal(b.Text, a.Text);
            fast.Add(text);
            reference.Add(text);
        }
        Assert.Equal(texts.Count, fast.Count);
        // an exact duplicate scores 1, which the 0.7 filter rejects
        Assert.Equal(1.0, fast.FindMostSimilar(texts[5]).Score, 12);
    }
}
