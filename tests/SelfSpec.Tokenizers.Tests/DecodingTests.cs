namespace SelfSpec.Tokenizers.Tests;

/// <summary>Streaming decode and id errors; expected text comes from the transformers.js fixture cases.</summary>
public sealed class DecodingTests
{
    [Theory]
    [MemberData(nameof(Names))]
    public void Incremental_decoding_streams_the_same_text_as_decoding_at_once(string tokenizer)
    {
        var tok = Fixtures.Load(tokenizer);
        foreach (var c in Fixtures.Cases(tokenizer))
        {
            var stream = tok.CreateIncrementalDecoder(skipSpecialTokens: false);
            var pieces = c.Ids.Select(stream.Add).ToList();
            var text = string.Concat(pieces) + stream.Flush();
            Assert.True(c.Decoded == text, $"{c.Case}: expected {c.Decoded} streamed {text}");
            // No piece may end in half a character.
            Assert.DoesNotContain(pieces, p => p.Length > 0 && char.IsHighSurrogate(p[^1]));
        }
    }

    [Fact]
    public void Incremental_decoding_holds_back_an_incomplete_character()
    {
        var tok = Fixtures.Load("llama2");
        var c = Fixtures.Cases("llama2").Single(x => x.Case == "emoji_simple"); // "I love 🦙 and 🚀!"; emoji are byte-fallback tokens
        var stream = tok.CreateIncrementalDecoder();
        var firstByte = Array.FindIndex(c.Tokens, t => t == "<0xF0>");
        var outputs = c.Ids.Select(stream.Add).ToList();
        Assert.Equal("", outputs[firstByte]);
        Assert.Equal("", outputs[firstByte + 1]);
        Assert.Equal("", outputs[firstByte + 2]);
        Assert.Contains("🦙", outputs[firstByte + 3]);
    }

    [Fact]
    public void An_id_outside_the_vocabulary_is_a_clear_error()
    {
        var tok = Fixtures.Load("gpt2");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([15496, 50257]));
        Assert.Contains("50257", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([-1]));
    }

    [Fact]
    public void Special_token_ids_come_from_the_config()
    {
        var llama3 = Fixtures.Load("llama3");
        Assert.Equal(128000, llama3.BosTokenId);
        Assert.Equal(llama3.TokenToId("<|end_of_text|>") ?? llama3.TokenToId("<|eot_id|>"), llama3.EosTokenId);
        var llama2 = Fixtures.Load("llama2");
        Assert.Equal(1, llama2.BosTokenId);
        Assert.Equal(2, llama2.EosTokenId);
        Assert.NotNull(llama2.ChatTemplate);
        Assert.Equal(50256, Fixtures.Load("gpt2").EosTokenId);
    }

    public static IEnumerable<object[]> Names() => Fixtures.Names.Select(n => new object[] { n });
}

/// <summary>Lone surrogates cannot be encoded as UTF-8; like every UTF-8 based tokenizer we treat them as U+FFFD.</summary>
public sealed class LoneSurrogateTests
{
    [Theory]
    [MemberData(nameof(DecodingTests.Names), MemberType = typeof(DecodingTests))]
    public void A_lone_surrogate_encodes_like_the_replacement_character(string tokenizer)
    {
        var tok = Fixtures.Load(tokenizer);
        foreach (var (lone, replaced) in new[] { ("a\uD800b", "a\uFFFDb"), ("\uDC00 x", "\uFFFD x"), ("x \uD83D", "x \uFFFD"), ("é\uDFFF\u0301", "é\uFFFD\u0301") })
        {
            Assert.Equal(tok.Encode(replaced), tok.Encode(lone));
            Assert.Equal(tok.Decode(tok.Encode(replaced)), tok.Decode(tok.Encode(lone)));
        }
    }
}
