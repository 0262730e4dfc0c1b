using System.Text.Json;
using System.Text.RegularExpressions;
using Ml = Microsoft.ML.Tokenizers;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// Microsoft.ML.Tokenizers 3.0 as a second independent oracle (beside transformers.js) for the byte-level BPE
/// fixtures. It has no loader for a BPE tokenizer.json, so <see cref="MlTokenizersEquivalent"/> builds the equivalent
/// tokenizer from each file's vocabulary, merges, added tokens and pre-tokenizer regex; per ../shared/docs/dependencies.md
/// such equivalents match exactly for gpt2, gpt-neox and llama3 (the fixtures hold gpt2 and llama3) and not for the
/// SentencePiece-style ones (no byte_fallback), which are left out.
/// </summary>
public sealed class MlTokenizersOracleTests
{
    public static TheoryData<string> ByteLevelFixtures => new() { "gpt2", "llama3" };

    [Theory]
    [MemberData(nameof(ByteLevelFixtures))]
    public void Fixture_texts_encode_like_ml_tokenizers(string name)
    {
        var texts = Fixtures.Cases(name).Select(c => c.Text).Concat(TestStrings()).ToList();
        AssertSameIds(name, texts);
    }

    [Theory]
    [MemberData(nameof(ByteLevelFixtures))]
    public void Biomedical_text_encodes_like_ml_tokenizers(string name)
    {
        // PubMedQA abstracts with their long answers, whole and line by line (the shared biomedical data).
        var abstracts = Corpus.PubMedQa(300);
        AssertSameIds(name, [.. abstracts, .. abstracts.SelectMany(a => a.Split('\n'))]);
    }

    private static void AssertSameIds(string name, IReadOnlyList<string> texts)
    {
        var ours = Fixtures.Load(name);
        var theirs = MlTokenizersEquivalent.Load(Fixtures.Directory(name));
        int tokens = 0;
        foreach (var text in texts)
        {
            var expected = theirs.EncodeToIds(text);
            Assert.True(expected.SequenceEqual(ours.Encode(text, addSpecialTokens: false)),
                $"{name}: ours differs from Microsoft.ML.Tokenizers on {JsonSerializer.Serialize(text)}: [{string.Join(", ", ours.Encode(text, addSpecialTokens: false))}] vs [{string.Join(", ", expected)}]");
            tokens += expected.Count;
        }
        Assert.True(tokens > texts.Count, $"only {tokens} tokens for {texts.Count} texts");
    }

    private static IEnumerable<string> TestStrings()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SelfSpec.TestSupport.Paths.Fixture("tokenizers", "test_strings.json")));
        return Strings(doc.RootElement).ToList();

        static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => [e.GetString()!],
            JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
            _ => [],
        };
    }
}

/// <summary>
/// The Microsoft.ML.Tokenizers BPE tokenizer equivalent to a byte-level BPE tokenizer.json: the same vocabulary,
/// merges and added tokens, byte-level mapping, and the pre-tokenizer's regex (GPT-2's for <c>ByteLevel</c> with
/// <c>use_regex</c>, or the pattern of a <c>Split</c> before a regex-free <c>ByteLevel</c>, as in Llama 3).
/// ML.Tokenizers has no <c>ignore_merges</c> (Llama 3 sets it: a pre-token that is itself in the vocabulary is one
/// token, whatever the merges would make), so <see cref="EncodeToIds"/> applies it per pre-token, reading the
/// byte-level form of the pre-token off ML.Tokenizers' own tokens.
/// </summary>
internal sealed class MlTokenizersEquivalent(Ml.Tokenizer tokenizer, Ml.PreTokenizer preTokenizer, IReadOnlyDictionary<string, int>? ignoreMergesVocabulary)
{
    // The regex of the ByteLevel pre-tokenizer with use_regex (GPT-2's).
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The ids of <paramref name="text"/> without special tokens added.</summary>
    public IReadOnlyList<int> EncodeToIds(string text)
    {
        if (ignoreMergesVocabulary is null) return tokenizer.EncodeToIds(text);
        var ids = new List<int>();
        foreach (var (offset, length) in preTokenizer.PreTokenize(text))
        {
            var tokens = tokenizer.EncodeToTokens(text.Substring(offset, length), out _);
            if (tokens.Count > 1 && ignoreMergesVocabulary.TryGetValue(string.Concat(tokens.Select(t => t.Value)), out var whole)) ids.Add(whole);
            else ids.AddRange(tokens.Select(t => t.Id));
        }
        return ids;
    }

    public static MlTokenizersEquivalent Load(string directory)
    {
        var path = Path.Combine(directory, "tokenizer.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var model = root.GetProperty("model");
        if (model.GetProperty("type").GetString() != "BPE") throw new NotSupportedException($"{path}: not a BPE model");
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw new NotSupportedException($"{path}: normalizer {normalizer.GetProperty("type")} has no equivalent here");
        var vocab = model.GetProperty("vocab").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt32())).ToList();
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? m[0].GetString() + " " + m[1].GetString() : m.GetString()!).ToList();
        var added = root.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("id").GetInt32());
        var preTokenizer = new Ml.RegexPreTokenizer(new Regex(PreTokenizerPattern(path, root.GetProperty("pre_tokenizer")), RegexOptions.Compiled), added);
        var tokenizer = Ml.BpeTokenizer.Create(new Ml.BpeOptions(vocab) { Merges = merges, SpecialTokens = added, PreTokenizer = preTokenizer, ByteLevel = true });
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        return new MlTokenizersEquivalent(tokenizer, preTokenizer, ignoreMerges ? vocab.ToDictionary() : null);
    }

    private static string PreTokenizerPattern(string path, JsonElement pre)
    {
        switch (pre.GetProperty("type").GetString())
        {
            case "ByteLevel" when pre.GetProperty("use_regex").GetBoolean() && !pre.GetProperty("add_prefix_space").GetBoolean():
                return Gpt2Pattern;
            case "Sequence":
                var steps = pre.GetProperty("pretokenizers").EnumerateArray().ToList();
                if (steps.Count == 2 && steps[0].GetProperty("type").GetString() == "Split"
                    && steps[0].GetProperty("behavior").GetString() == "Isolated" && !steps[0].GetProperty("invert").GetBoolean()
                    && steps[1].GetProperty("type").GetString() == "ByteLevel" && !steps[1].GetProperty("use_regex").GetBoolean())
                    return steps[0].GetProperty("pattern").GetProperty("Regex").GetString()!;
                break;
        }
        throw new NotSupportedException($"{path}: pre-tokenizer {pre} has no equivalent here");
    }
}
