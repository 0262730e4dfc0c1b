using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The pipeline's generation seam over the real engine: the tiny fixture Llama with a tokenizer trained beside it.</summary>
public sealed class LlmTextGeneratorTests : IDisposable
{
    private readonly TempDir _model = new("selfspec-pipeline-llm-");
    private readonly LlamaModel _llama;
    private readonly HuggingFaceTokenizer _tokenizer;

    public LlmTextGeneratorTests()
    {
        TinyLlamaModel.Create(_model.FullPath);
        _llama = LlamaModel.Load(_model.FullPath);
        _tokenizer = HuggingFaceTokenizer.TryLoad(_model.FullPath)!;
    }

    public void Dispose()
    {
        _llama.Dispose();
        _model.Dispose();
    }

    [Fact]
    public async Task SamplingIsReproducibleBySeedAndMarksTruncation()
    {
        var prompts = new[] { "List of 20 tasks:\n###\n1. Instruction:", "Name a gene.", "Which drug inhibits" };
        var settings = new SamplingSettings { MaxNewTokens = 12, StopSequences = [], Seed = 7 };
        var generator = new LlmTextGenerator(_llama, _tokenizer, batchSize: 2);
        var a = await generator.GenerateAsync(prompts, settings, CancellationToken.None);
        var b = await generator.GenerateAsync(prompts, settings, CancellationToken.None);
        Assert.Equal(3, a.Count);
        Assert.Equal(a, b);
        var c = await generator.GenerateAsync(prompts, settings with { Seed = 8 }, CancellationToken.None);
        Assert.NotEqual(a.Select(x => x.Text), c.Select(x => x.Text));
        Assert.Contains(a, x => x.Truncated);

        // the same prompt through the engine directly, alone, with its row's seed (prompt id 2), gives the same text
        var direct = new TextGenerator(_llama, _tokenizer).Generate(
            [_tokenizer.Encode(prompts[2])],
            new GenerationOptions { MaxNewTokens = 12, Sampling = SamplingOptions.Sample(1.0, 0.98, seed: (ulong)SamplingSettings.RowSeed(7, "2")) });
        Assert.Equal(direct[0].Text, a[2].Text);
    }

    [Fact]
    public async Task StopSequencesCutTheCompletionBeforeThem()
    {
        var generator = new LlmTextGenerator(_llama, _tokenizer);
        var free = (await generator.GenerateAsync(["Name a gene."], new SamplingSettings { MaxNewTokens = 16, StopSequences = [], Seed = 3 }, CancellationToken.None))[0];
        Assert.True(free.Text.Length >= 2, $"completion too short to test stopping: '{free.Text}'");
        var stop = free.Text.Substring(free.Text.Length / 2, 1);
        var cut = (await generator.GenerateAsync(["Name a gene."], new SamplingSettings { MaxNewTokens = 16, StopSequences = [stop], Seed = 3 }, CancellationToken.None))[0];
        Assert.DoesNotContain(stop, cut.Text);
        Assert.False(cut.Truncated);
        Assert.StartsWith(cut.Text, free.Text);
    }
}
