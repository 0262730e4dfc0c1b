using System.Text.Json.Nodes;
using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// Components the four fixture files do not use (NFC/NFKC/NFKD, Lowercase, Strip, StripAccents, Digits, Punctuation,
/// WhitespaceSplit, Metaspace with split, ByteLevel with prefix space, lstrip/rstrip/single_word and non-special added
/// tokens, RobertaProcessing, a template without BOS, Metaspace decoder): real vocabularies with the component swapped
/// in, encoded by us, by transformers.js and by the Hugging Face Rust library from the same file.
/// Where the two references disagree (transformers.js 4.3.1 merges runs in <c>Punctuation</c> and in <c>Metaspace</c>
/// with <c>split: true</c>, and ignores <c>single_word</c>), we follow the Rust library, which defines the format.
/// </summary>
public sealed class ComponentVariantTests : IDisposable
{
    private readonly TempDir _dir = new("selfspec-tokvar-");

    public void Dispose() => _dir.Dispose();

    private static JsonNode Added(int id, string content, bool special, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false) =>
        new JsonObject
        {
            ["id"] = id, ["content"] = content, ["single_word"] = singleWord, ["lstrip"] = lstrip,
            ["rstrip"] = rstrip, ["normalized"] = normalized, ["special"] = special,
        };

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    /// <summary>Each variant: the base fixture and the change applied to its tokenizer.json.</summary>
    private static readonly Dictionary<string, (string Base, Action<JsonNode> Change)> Variants = new()
    {
        // GPT-NeoX style: NFC normalizer, non-special added tokens made of spaces, matched in normalized text.
        ["nfc-space-tokens"] = ("gpt2", j =>
        {
            j["normalizer"] = Parse("""{"type": "NFC"}""");
            j["post_processor"] = Parse("""{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}""");
            var added = j["added_tokens"]!.AsArray();
            added.Add(Added(50257, "  ", special: false, normalized: true));
            added.Add(Added(50258, "    ", special: false, normalized: true));
        }),
        // Phi-3 style: rstrip chat markers, a non-special rstrip </s>, a template without BOS.
        ["rstrip-markers"] = ("llama2", j =>
        {
            var added = j["added_tokens"]!.AsArray();
            added[2] = Added(2, "</s>", special: false, rstrip: true);
            added.Add(Added(32000, "<|user|>", special: true, rstrip: true));
            added.Add(Added(32001, "<|end|>", special: true, rstrip: true));
            added.Add(Added(32002, "<|assistant|>", special: true, rstrip: true));
            j["post_processor"]!["single"] = Parse("""[{"Sequence": {"id": "A", "type_id": 0}}]""");
        }),
        // Roberta style: lstrip <mask>, a single_word token, RobertaProcessing, ByteLevel with prefix space.
        ["roberta-style"] = ("gpt2", j =>
        {
            var added = j["added_tokens"]!.AsArray();
            added.Add(Added(50257, "<mask>", special: true, lstrip: true));
            added.Add(Added(50258, "qzx", special: false, singleWord: true));
            j["pre_tokenizer"]!["add_prefix_space"] = true;
            j["post_processor"] = Parse("""{"type": "RobertaProcessing", "sep": ["<|endoftext|>", 50256], "cls": ["<|endoftext|>", 50256], "trim_offsets": true, "add_prefix_space": true}""");
        }),
        // Lowercase + strip + NFKC, individual digits before the byte-level split.
        ["lower-digits"] = ("gpt2", j =>
        {
            j["normalizer"] = Parse("""{"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Strip", "strip_left": true, "strip_right": true}]}""");
            j["pre_tokenizer"] = Parse("""{"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}""");
        }),
        // Metaspace that always prepends and splits, with the Metaspace decoder.
        ["metaspace-split"] = ("llama2", j =>
        {
            j["normalizer"] = null;
            j["pre_tokenizer"] = Parse("""{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true}""");
            j["decoder"] = Parse("""{"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true}]}""");
        }),
        // Qwen2 style: NFC, then the Qwen2 split pattern (single digits) before byte-level BPE.
        ["qwen2-style"] = ("llama3", j =>
        {
            j["normalizer"] = Parse("""{"type": "NFC"}""");
            j["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] =
                @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        }),
        // A regex without a hand-written scanner, and string patterns with the other split behaviors.
        ["regex-behaviors"] = ("llama3", j =>
        {
            j["pre_tokenizer"] = Parse("""
                {"type": "Sequence", "pretokenizers": [
                  {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "MergedWithNext", "invert": false},
                  {"type": "Split", "pattern": {"String": "-"}, "behavior": "MergedWithPrevious", "invert": false},
                  {"type": "Split", "pattern": {"String": "."}, "behavior": "Contiguous", "invert": false},
                  {"type": "Split", "pattern": {"Regex": "[0-9]+"}, "behavior": "Removed", "invert": true},
                  {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}
                """);
        }),
        // Word and punctuation splitting of accent-stripped text on a SentencePiece vocabulary.
        ["whitespace-punctuation"] = ("llama2", j =>
        {
            j["normalizer"] = Parse("""{"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "StripAccents"}]}""");
            j["pre_tokenizer"] = Parse("""{"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": false}]}""");
        }),
    };

    public static IEnumerable<object[]> Names() => Variants.Keys.Select(k => new object[] { k });

    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [MemberData(nameof(Names))]
    public void Variant_matches_transformers_js(string variant)
    {
        var (baseName, change) = Variants[variant];
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Directory(baseName), "tokenizer.json")))!;
        change(json);
        var dir = _dir.Combine(variant);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        File.Copy(Path.Combine(Fixtures.Directory(baseName), "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));

        var rng = new Random(variant.Length);
        var texts = Fixtures.Cases(baseName).Select(c => c.Text)
            .Concat(["<|user|>\nHi<|end|>\n<|assistant|>\nHello</s>  \nbye", "a qzx, qzxs and <mask> aqzx qzx", "  \t Mixed CASE Straße ① ² ﬁ  "])
            .Concat(Enumerable.Range(0, 150).Select(_ => RandomText.Next(rng))).ToList();
        var reference = TransformersJs.Encode(dir, texts);
        var rust = TransformersJs.RustOffsets(Path.Combine(dir, "tokenizer.json"), texts);
        var tok = Tokenizer.FromDirectory(dir);
        var failures = new List<string>();
        var referencesDisagree = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var t = System.Text.Json.JsonSerializer.Serialize(texts[i]);
            var ids = tok.Encode(texts[i], addSpecialTokens: false);
            if (!rust[i].Ids.SequenceEqual(ids))
            {
                failures.Add($"ids {t}\n  rust     [{string.Join(",", rust[i].Ids)}]\n  tjs      [{string.Join(",", reference[i].Ids)}]\n  actual   [{string.Join(",", ids)}]");
                continue;
            }
            var offsets = tok.EncodeDetailed(texts[i], addSpecialTokens: false).Offsets;
            if (!rust[i].Offsets.SequenceEqual(offsets))
            {
                failures.Add($"offsets {t}\n  rust     {string.Join(" ", rust[i].Offsets)}\n  actual   {string.Join(" ", offsets)}");
                continue;
            }
            if (!reference[i].Ids.SequenceEqual(rust[i].Ids))
            {
                referencesDisagree++;
                continue;
            }
            if (!reference[i].IdsWithSpecial.SequenceEqual(tok.Encode(texts[i])))
                failures.Add($"ids_with_special {t}: expected [{string.Join(",", reference[i].IdsWithSpecial)}] actual [{string.Join(",", tok.Encode(texts[i]))}]");
            else if (reference[i].Decoded != tok.Decode(ids))
                failures.Add($"decoded {t}: expected {System.Text.Json.JsonSerializer.Serialize(reference[i].Decoded)} actual {System.Text.Json.JsonSerializer.Serialize(tok.Decode(ids))}");
            else if (reference[i].DecodedSkipSpecial != tok.Decode(reference[i].IdsWithSpecial, skipSpecialTokens: true))
                failures.Add($"decoded skipping specials {t}");
        }
        // Guard against a variant where the references disagree everywhere, which would leave little checked.
        Assert.True(referencesDisagree <= texts.Count / 2, $"{referencesDisagree} of {texts.Count} texts have different reference ids");
        Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join("\n", failures.Take(6)));
    }
}
