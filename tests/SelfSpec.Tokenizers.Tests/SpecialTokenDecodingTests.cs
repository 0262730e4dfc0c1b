using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>Decoding with skip_special_tokens on the fixture texts that contain chat markers, against transformers.js.</summary>
public sealed class SpecialTokenDecodingTests
{
    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData("gpt2")]
    [InlineData("llama2")]
    [InlineData("llama2-metaspace")]
    [InlineData("llama3")]
    public void Skipping_special_tokens_matches_transformers_js(string tokenizer)
    {
        var cases = Fixtures.Cases(tokenizer);
        var reference = TransformersJs.Encode(Fixtures.Directory(tokenizer), cases.Select(c => c.Text).ToList());
        var tok = Fixtures.Load(tokenizer);
        for (var i = 0; i < cases.Count; i++)
            Assert.True(reference[i].DecodedSkipSpecial == tok.Decode(cases[i].IdsWithSpecial, skipSpecialTokens: true), cases[i].Case);
    }
}
