using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// Beyond the fixed fixture cases: random text (all Unicode planes, emoji, controls, token look-alikes) and real
/// abstracts, encoded by us and by transformers.js with the same real tokenizer files.
/// </summary>
public sealed class RandomTextReferenceTests
{
    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData("gpt2")]
    [InlineData("llama2")]
    [InlineData("llama2-metaspace")]
    [InlineData("llama3")]
    public void Random_text_matches_transformers_js(string tokenizer)
    {
        var rng = new Random(tokenizer.Length * 7919);
        var texts = Enumerable.Range(0, 400).Select(_ => RandomText.Next(rng, 40)).Concat(Corpus.PubMedQaHeldOut(980, 10)).ToList();
        var reference = TransformersJs.Encode(Fixtures.Directory(tokenizer), texts);
        var tok = Fixtures.Load(tokenizer);
        var failures = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            var ids = tok.Encode(texts[i], addSpecialTokens: false);
            if (!reference[i].Ids.SequenceEqual(ids))
                failures.Add($"ids {System.Text.Json.JsonSerializer.Serialize(texts[i])}\n  expected [{string.Join(",", reference[i].Ids)}]\n  actual   [{string.Join(",", ids)}]");
            else if (!reference[i].IdsWithSpecial.SequenceEqual(tok.Encode(texts[i], addSpecialTokens: true)))
                failures.Add($"ids_with_special {System.Text.Json.JsonSerializer.Serialize(texts[i])}");
            else if (reference[i].DecodedSkipSpecial != tok.Decode(reference[i].IdsWithSpecial, skipSpecialTokens: true))
                failures.Add($"decoded (skipping special tokens) {System.Text.Json.JsonSerializer.Serialize(texts[i])}");
            else if (reference[i].Decoded != tok.Decode(ids))
                failures.Add($"decoded {System.Text.Json.JsonSerializer.Serialize(texts[i])}: expected {System.Text.Json.JsonSerializer.Serialize(reference[i].Decoded)} got {System.Text.Json.JsonSerializer.Serialize(tok.Decode(ids))}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join("\n", failures.Take(8)));
    }
}
