using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>Token offsets compared with the Hugging Face Rust tokenizers library on the same files.</summary>
public sealed class OffsetTests
{
    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData("gpt2")]
    [InlineData("llama2")]
    [InlineData("llama2-metaspace")]
    [InlineData("llama3")]
    public void Offsets_match_the_rust_library(string tokenizer)
    {
        var rng = new Random(99);
        var texts = Fixtures.Cases(tokenizer).Select(c => c.Text).Concat(Enumerable.Range(0, 100).Select(_ => RandomText.Next(rng))).ToList();
        var reference = TransformersJs.RustOffsets(Path.Combine(Fixtures.Directory(tokenizer), "tokenizer.json"), texts);
        var tok = Fixtures.Load(tokenizer);
        var failures = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            var e = tok.EncodeDetailed(texts[i], addSpecialTokens: false);
            Assert.Equal(reference[i].Ids, e.Ids);
            if (!reference[i].Offsets.SequenceEqual(e.Offsets))
                failures.Add($"{System.Text.Json.JsonSerializer.Serialize(texts[i])}\n  expected {string.Join(" ", reference[i].Offsets)}\n  actual   {string.Join(" ", e.Offsets)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join("\n", failures.Take(6)));
    }
}
