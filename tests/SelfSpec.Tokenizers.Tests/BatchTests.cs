namespace SelfSpec.Tokenizers.Tests;

/// <summary>Batch encoding, truncation and padding; expected ids come from the transformers.js fixture cases.</summary>
public sealed class BatchTests
{
    private static readonly IReadOnlyList<FixtureCase> Cases = Fixtures.Cases("llama2");

    private static Tokenizer Llama2 => Fixtures.Load("llama2");

    [Fact]
    public void Parallel_batch_equals_the_reference_ids_in_input_order()
    {
        var batch = Llama2.EncodeBatch(Cases.Select(c => c.Text).ToList(), maxDegreeOfParallelism: 4);
        Assert.Equal(Cases.Count, batch.Length);
        for (var i = 0; i < Cases.Count; i++)
        {
            Assert.Equal(Cases[i].IdsWithSpecial, batch[i].Ids);
            Assert.All(batch[i].AttentionMask, m => Assert.Equal(1, m));
            Assert.Equal(1, batch[i].SpecialTokensMask[0]); // BOS from the template
        }
        var ids = Llama2.EncodeBatchToIds(Cases.Select(c => c.Text).ToList(), addSpecialTokens: false);
        Assert.Equal(Cases.Select(c => c.Ids), ids);
    }

    [Theory]
    [InlineData(Side.Right)]
    [InlineData(Side.Left)]
    public void Truncation_keeps_room_for_special_tokens(Side side)
    {
        var batch = Llama2.EncodeBatch(Cases.Select(c => c.Text).ToList(), truncation: new TruncationOptions(8, side));
        for (var i = 0; i < Cases.Count; i++)
        {
            var ids = Cases[i].Ids;
            var kept = ids.Length <= 7 ? ids : side == Side.Right ? ids[..7] : ids[^7..];
            Assert.Equal([1, .. kept], batch[i].Ids);
        }
    }

    [Theory]
    [InlineData(Side.Right)]
    [InlineData(Side.Left)]
    public void Padding_to_the_longest_uses_the_pad_id_and_masks_it(Side side)
    {
        var texts = Cases.Take(10).Select(c => c.Text).ToList();
        var batch = Llama2.EncodeBatch(texts, padding: new PaddingOptions(Side: side, PadId: 0, PadToMultipleOf: 8));
        var longest = Cases.Take(10).Max(c => c.IdsWithSpecial.Length);
        var length = (longest + 7) / 8 * 8;
        for (var i = 0; i < texts.Count; i++)
        {
            var real = Cases[i].IdsWithSpecial;
            var pad = Enumerable.Repeat(0, length - real.Length).ToArray();
            Assert.Equal(side == Side.Right ? [.. real, .. pad] : [.. pad, .. real], batch[i].Ids);
            var mask = batch[i].AttentionMask;
            Assert.Equal(real.Length, mask.Sum());
            Assert.Equal(side == Side.Right ? 1 : 0, mask[0]);
        }
    }

    [Fact]
    public void Padding_without_a_pad_token_is_a_clear_error()
    {
        // gpt2's tokenizer_config.json names no pad token; llama2's names <unk>.
        var e = Assert.Throws<InvalidOperationException>(() => Fixtures.Load("gpt2").EncodeBatch(["a", "bb"], padding: new PaddingOptions()));
        Assert.Contains("pad", e.Message);
        Assert.Equal(0, Llama2.PadTokenId);
        Assert.Equal(0, Llama2.EncodeBatch(["a", "a b c"], padding: new PaddingOptions())[0].Ids[^1]);
    }

    [Fact]
    public void Pair_encoding_follows_the_pair_template()
    {
        // llama2 pair template: <s> $A <s> $B
        var a = Cases[0];
        var b = Cases[1];
        var e = Llama2.EncodeDetailed(a.Text, b.Text);
        Assert.Equal([1, .. a.Ids, 1, .. b.Ids], e.Ids);
        Assert.Equal([.. Enumerable.Repeat(0, a.Ids.Length + 1), .. Enumerable.Repeat(1, b.Ids.Length + 1)], e.TypeIds);
    }
}
