using SelfSpec.TestSupport;
using SelfSpec.Tokenizers.Training;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>A small tokenizer trained once on real abstracts, shared by the trainer tests.</summary>
public sealed class TrainedTokenizerFixture : IDisposable
{
    public TrainedTokenizerFixture()
    {
        Options = new BpeTrainerOptions
        {
            VocabSize = 1500,
            SpecialTokens = ["<|endoftext|>", "<pad>"],
            BosToken = "<|endoftext|>",
            EosToken = "<|endoftext|>",
            PadToken = "<pad>",
        };
        Tokenizer = BpeTrainer.Train(Corpus.PubMedQa(300), Options, Dir.FullPath);
    }

    public TempDir Dir { get; } = new("selfspec-bpe-");

    public BpeTrainerOptions Options { get; }

    public Tokenizer Tokenizer { get; }

    public void Dispose() => Dir.Dispose();
}

public sealed class TrainerTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>
{
    [Fact]
    public void Writes_the_requested_vocabulary_and_special_tokens()
    {
        var t = trained.Tokenizer;
        Assert.Equal(1500, t.VocabSize);
        Assert.Equal(0, t.TokenToId("<|endoftext|>"));
        Assert.Equal(1, t.TokenToId("<pad>"));
        Assert.Equal(0, t.BosTokenId);
        Assert.Equal(0, t.EosTokenId);
        Assert.Equal(1, t.PadTokenId);
        Assert.True(File.Exists(Path.Combine(trained.Dir.FullPath, "tokenizer_config.json")));
        Assert.Empty(Directory.GetFiles(trained.Dir.FullPath, "*.tmp"));
    }

    [Fact]
    public void Learns_frequent_biomedical_words_as_single_tokens()
    {
        // "patients" is one of the most frequent words in PubMedQA abstracts; a 1500-token vocabulary must hold it.
        var ids = trained.Tokenizer.Encode(" patients", addSpecialTokens: false);
        Assert.Single(ids);
        var heldOut = string.Join("\n", Corpus.PubMedQaHeldOut(900, 20));
        var bytes = System.Text.Encoding.UTF8.GetByteCount(heldOut);
        var tokens = trained.Tokenizer.Encode(heldOut, addSpecialTokens: false).Length;
        Assert.True(bytes / (double)tokens > 2.5, $"only {bytes / (double)tokens:F2} bytes per token on held-out abstracts");
    }

    [Fact]
    public void Round_trips_random_unicode()
    {
        var rng = new Random(20261121);
        var tok = trained.Tokenizer;
        for (var i = 0; i < 3000; i++)
        {
            var text = RandomText.Next(rng);
            var ids = tok.Encode(text, addSpecialTokens: false);
            var decoded = tok.Decode(ids);
            Assert.True(text == decoded, $"case {i}: {System.Text.Json.JsonSerializer.Serialize(text)} decoded to {System.Text.Json.JsonSerializer.Serialize(decoded)}");
        }
    }

    [Fact]
    public void Round_trips_real_abstracts_and_streams_them_identically()
    {
        var tok = trained.Tokenizer;
        foreach (var text in Corpus.PubMedQaHeldOut(950, 10))
        {
            var ids = tok.Encode(text, addSpecialTokens: false);
            Assert.Equal(text, tok.Decode(ids));
            var stream = tok.CreateIncrementalDecoder(skipSpecialTokens: false);
            var streamed = string.Concat(ids.Select(stream.Add)) + stream.Flush();
            Assert.Equal(text, streamed);
        }
    }

    [Fact]
    public void Rejects_a_vocabulary_smaller_than_the_byte_alphabet()
    {
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["abc"], new BpeTrainerOptions { VocabSize = 100 }, trained.Dir.Combine("x")));
        Assert.Contains("256", e.Message);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Transformers_js_loads_the_trained_file_and_gives_the_same_ids()
    {
        var rng = new Random(7);
        var texts = Corpus.PubMedQaHeldOut(900, 30).Concat(Enumerable.Range(0, 300).Select(_ => RandomText.Next(rng))).ToList();
        texts.Add("Hello<|endoftext|>world <pad> again");
        texts.Add("");
        var reference = TransformersJs.Encode(trained.Dir.FullPath, texts);
        var tok = trained.Tokenizer;
        for (var i = 0; i < texts.Count; i++)
        {
            var text = System.Text.Json.JsonSerializer.Serialize(texts[i]);
            Assert.True(reference[i].Ids.SequenceEqual(tok.Encode(texts[i], addSpecialTokens: false)), $"ids differ for {text}");
            Assert.True(reference[i].IdsWithSpecial.SequenceEqual(tok.Encode(texts[i], addSpecialTokens: true)), $"ids_with_special differ for {text}");
            Assert.Equal(reference[i].Decoded, tok.Decode(reference[i].Ids));
        }
    }
}

public sealed class TrainerTemplateTests
{
    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void A_trained_tokenizer_that_adds_bos_loads_in_transformers_js_with_the_same_template()
    {
        using var dir = new TempDir("selfspec-bpe-bos-");
        var options = new BpeTrainerOptions
        {
            VocabSize = 600,
            SpecialTokens = ["<s>", "</s>", "<pad>"],
            BosToken = "<s>",
            EosToken = "</s>",
            PadToken = "<pad>",
            AddBosToken = true,
        };
        var tok = BpeTrainer.Train(Corpus.PubMedQa(100), options, dir.FullPath);
        Assert.Equal(0, tok.BosTokenId);
        Assert.Equal(1, tok.EosTokenId);
        Assert.Equal(2, tok.PadTokenId);
        var texts = Corpus.PubMedQaHeldOut(960, 5).Append("Hi </s><s> there").Append("").ToList();
        var reference = TransformersJs.Encode(dir.FullPath, texts);
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.Equal(reference[i].IdsWithSpecial, tok.Encode(texts[i]));
            Assert.Equal(0, tok.Encode(texts[i])[0]);
            Assert.Equal(reference[i].Ids, tok.Encode(texts[i], addSpecialTokens: false));
            Assert.Equal(reference[i].DecodedSkipSpecial, tok.Decode(tok.Encode(texts[i]), skipSpecialTokens: true));
        }
    }
}

public sealed class TrainerAddedTokenTests
{
    private static readonly string[] Labels = ["4. Instruction:", "14. Instruction:", "4. Input:", "4. Output:"];

    private static Tokenizer Train(TempDir dir) => BpeTrainer.Train(
        Corpus.PubMedQa(100).Select((t, i) => $"###\n{i % 20}. Instruction: {t[..Math.Min(80, t.Length)]}\n4. Input:\n{t}"),
        new BpeTrainerOptions { VocabSize = 700, SpecialTokens = ["<s>", "</s>"], BosToken = "<s>", EosToken = "</s>", AddedTokens = Labels },
        dir.FullPath);

    [Fact]
    public void Added_tokens_take_the_last_ids_match_whole_and_survive_skipping_special_tokens()
    {
        using var dir = new TempDir("selfspec-bpe-added-");
        var tok = Train(dir);
        Assert.Equal(700, tok.VocabSize);
        Assert.Equal(Enumerable.Range(696, 4), Labels.Select(l => tok.TokenToId(l)!.Value));
        Assert.All(Labels, l => Assert.False(tok.IsSpecialToken(tok.TokenToId(l)!.Value)));
        // Leftmost-longest: "14. Instruction:" is one token, not "1" + "4. Instruction:".
        var ids = tok.Encode("14. Instruction: Name the drug.\n4. Input:\nAspirin</s>", addSpecialTokens: false);
        Assert.Equal(tok.TokenToId("14. Instruction:"), ids[0]);
        Assert.Contains(tok.TokenToId("4. Input:")!.Value, ids);
        Assert.Equal("14. Instruction: Name the drug.\n4. Input:\nAspirin", tok.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Unknown_or_clashing_added_tokens_are_rejected()
    {
        using var dir = new TempDir("selfspec-bpe-added-bad-");
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["abc"],
            new BpeTrainerOptions { VocabSize = 600, SpecialTokens = ["<s>"], AddedTokens = ["<s>"] }, dir.FullPath));
        Assert.Contains("AddedTokens", e.Message);
        Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["abc"],
            new BpeTrainerOptions { VocabSize = 600, AddedTokens = [""] }, dir.FullPath));
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Transformers_js_reads_the_added_tokens_the_same_way()
    {
        using var dir = new TempDir("selfspec-bpe-added-js-");
        var tok = Train(dir);
        var texts = new List<string>
        {
            "###\n4. Instruction: Classify the sentence.\n4. Input:\nThe drug lowered pressure.\n4. Output:\nyes\n###\n14. Instruction:",
            "14. Instruction:4. Input:4. Output:</s><s>",
            "In 4. Inputs and 44. Instruction: and 4.  Input:",
        };
        texts.AddRange(Corpus.PubMedQaHeldOut(960, 3));
        var reference = TransformersJs.Encode(dir.FullPath, texts);
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.Equal(reference[i].Ids, tok.Encode(texts[i], addSpecialTokens: false));
            Assert.Equal(reference[i].Decoded, tok.Decode(reference[i].Ids));
            Assert.Equal(reference[i].DecodedSkipSpecial, tok.Decode(reference[i].Ids, skipSpecialTokens: true));
        }
    }
}
