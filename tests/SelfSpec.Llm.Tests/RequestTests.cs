using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;

namespace SelfSpec.Llm.Tests;

/// <summary>The JSON request form (as the CLI's --request takes it) run end to end against cases.json.</summary>
public sealed class RequestTests
{
    [Fact]
    public void RequestArrayRunsPlainRagAndContrastiveLikeTheReference()
    {
        var json = $$$"""
        [
          {"prompt_ids": [73, 5, 38, 193, 231, 87], "max_new_tokens": 12, "adapter": "{{{Fixtures.Adapter}}}"},
          {"prompt_ids": [247, 157, 82], "max_new_tokens": 8,
           "docs": [{"ids": [107, 102, 264, 280], "score": 7.5}, {"ids": [54, 61, 53], "score": 6.0}, {"ids": [118, 246, 117, 273], "score": 3.25}]},
          {"prompt_ids": [73, 5, 38, 193, 231], "max_new_tokens": 8, "adapter": "tiny-lora", "contrastive": {"alpha": 0.1}}
        ]
        """;
        var requests = GenerationRequest.ParseMany(json);
        Assert.True(requests.All(r => r.Sampling.Greedy));
        using var model = LlamaModel.Load(Fixtures.Model);
        using var runner = new RequestRunner(model, baseDirectory: Fixtures.Dir());
        var results = requests.Select(r => runner.Run(r)).ToArray();
        Assert.Equal(Fixtures.Ints(Fixtures.Cases.GetProperty("greedy_lora").GetProperty("expected")), results[0].TokenIds);
        Assert.Equal(Fixtures.Ints(Fixtures.Cases.GetProperty("rag_token").GetProperty("expected")), results[1].TokenIds);
        Assert.Equal(Fixtures.Ints(Fixtures.Cases.GetProperty("contrastive").GetProperty("expected")), results[2].TokenIds);
    }

    [Theory]
    [InlineData("""{"max_new_tokens": 3}""", "exactly one of 'prompt' and 'prompt_ids'")]
    [InlineData("""{"prompt_ids": [1], "top_p": 1.5}""", "top_p")]
    [InlineData("""{"prompt_ids": [1], "docs": [{"ids": [2]}]}""", "docs[0] has no 'score'")]
    [InlineData("""{"prompt_ids": [1], "max_tokens": 3}""", "unknown field 'max_tokens'")]
    [InlineData("""{"prompt_ids": "1,2"}""", "'prompt_ids' must be an array")]
    public void MalformedRequestsNameTheField(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => GenerationRequest.ParseMany(json));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void SamplingFieldsTurnOffGreedy()
    {
        var r = GenerationRequest.ParseMany("""{"prompt": "x", "temperature": 0.7, "top_p": 0.9, "seed": 5}""")[0];
        Assert.False(r.Sampling.Greedy);
        Assert.Equal(0.7, r.Sampling.Temperature);
        Assert.Equal(5UL, r.Sampling.Seed);
    }
}
