namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// Every case of the shared fixtures (real GPT-2, Llama-2, Llama-2 Metaspace and Llama-3 tokenizer.json files,
/// expected values computed by transformers.js and cross-checked against the Rust tokenizers library).
/// </summary>
public sealed class FixtureCaseTests
{
    [Theory]
    [MemberData(nameof(Fixtures.AllCases), MemberType = typeof(Fixtures))]
    public void Matches_transformers_js(string tokenizer, string caseName)
    {
        var c = Fixtures.Cases(tokenizer).Single(x => x.Case == caseName);
        var tok = Fixtures.Load(tokenizer);

        Assert.Equal(c.Ids, tok.Encode(c.Text, addSpecialTokens: false));
        Assert.Equal(c.IdsWithSpecial, tok.Encode(c.Text, addSpecialTokens: true));
        var detailed = tok.EncodeDetailed(c.Text, addSpecialTokens: false);
        Assert.Equal(c.Ids, detailed.Ids);
        Assert.Equal(c.Tokens, detailed.Tokens);
        Assert.Equal(c.Decoded, tok.Decode(c.Ids, skipSpecialTokens: false));
    }
}
