using System.Text.Json;
using SelfSpec.Tokenizers.Decoding;
using SelfSpec.Tokenizers.Models;
using SelfSpec.Tokenizers.Normalization;
using SelfSpec.Tokenizers.PostProcessing;
using SelfSpec.Tokenizers.PreTokenization;

namespace SelfSpec.Tokenizers.Serialization;

/// <summary>The components read from a <c>tokenizer.json</c>.</summary>
internal sealed record TokenizerParts(
    BpeModel Model,
    Normalizer? Normalizer,
    PreTokenizer? PreTokenizer,
    PostProcessor? PostProcessor,
    Decoder? Decoder,
    IReadOnlyList<AddedToken> AddedTokens,
    TruncationOptions? Truncation,
    PaddingOptions? Padding,
    string? PadTokenFromPadding);

/// <summary>Reads the Hugging Face <c>tokenizer.json</c> format; every problem names the file and the component.</summary>
internal sealed class TokenizerJsonReader
{
    private readonly string _file;

    private TokenizerJsonReader(string file) => _file = file;

    public static TokenizerParts Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new TokenizerFormatException("file not found", path, inner: e); }
        return Read(bytes, path);
    }

    public static TokenizerParts Read(byte[] json, string file)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw new TokenizerFormatException("not valid JSON: " + e.Message, file, inner: e); }
        using (doc) return new TokenizerJsonReader(file).ReadRoot(doc.RootElement);
    }

    private TokenizerParts ReadRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Error("expected a JSON object", "(root)");
        if (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.Object)
            throw Error("missing the \"model\" object", "model");
        var normalizer = Optional(root, "normalizer") is { } n ? ReadNormalizer(n, "normalizer") : null;
        var preTokenizer = Optional(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(p, "pre_tokenizer") : null;
        var postProcessor = Optional(root, "post_processor") is { } pp ? ReadPostProcessor(pp, "post_processor") : null;
        var decoder = Optional(root, "decoder") is { } d ? ReadDecoder(d, "decoder") : null;
        var added = Optional(root, "added_tokens") is { } a ? ReadAddedTokens(a) : [];
        var model = ReadModel(modelElement);
        model.ByteLevel = preTokenizer?.IsByteLevel ?? false;
        var truncation = Optional(root, "truncation") is { } t ? ReadTruncation(t) : null;
        var (padding, padToken) = Optional(root, "padding") is { } pd ? ReadPadding(pd) : (null, null);
        return new TokenizerParts(model, normalizer, preTokenizer, postProcessor, decoder, added, truncation, padding, padToken);
    }

    private BpeModel ReadModel(JsonElement m)
    {
        const string c = "model";
        var type = m.TryGetProperty("type", out var t) ? t.GetString() : (m.TryGetProperty("merges", out _) ? "BPE" : null);
        if (type != "BPE")
            throw Error($"model type \"{type ?? "(none)"}\" is not supported (only BPE)", c);
        if (!m.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            throw Error("missing the \"vocab\" object", c + ".vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id))
                throw Error($"the id of \"{entry.Name}\" is not an integer", c + ".vocab");
            vocab[entry.Name] = id;
        }
        var merges = new List<(string, string)>();
        if (m.TryGetProperty("merges", out var mergesElement) && mergesElement.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var merge in mergesElement.EnumerateArray())
            {
                if (merge.ValueKind == JsonValueKind.String)
                {
                    var s = merge.GetString()!;
                    var parts = s.Split(' ');
                    if (parts.Length != 2) throw Error($"merge {i} (\"{s}\") does not split into exactly two tokens", c + ".merges");
                    merges.Add((parts[0], parts[1]));
                }
                else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                         && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
                    merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                else throw Error($"merge {i} is neither \"a b\" nor [\"a\", \"b\"]", c + ".merges");
                i++;
            }
        }
        return new BpeModel(vocab, merges, String(m, "unk_token"), String(m, "continuing_subword_prefix"),
            String(m, "end_of_word_suffix"), Bool(m, "fuse_unk", false), Bool(m, "byte_fallback", false),
            Bool(m, "ignore_merges", false), _file);
    }

    private Normalizer ReadNormalizer(JsonElement e, string c)
    {
        var type = TypeOf(e, c);
        return type switch
        {
            "Sequence" => new SequenceNormalizer(Array(e, "normalizers", c).Select((x, i) => ReadNormalizer(x, $"{c}.normalizers[{i}]")).ToList()),
            "NFC" => new UnicodeNormalizer(System.Text.NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(System.Text.NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(System.Text.NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(System.Text.NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Bool(e, "strip_left", true), Bool(e, "strip_right", true)),
            "StripAccents" => new StripAccentsNormalizer(),
            "Prepend" => new PrependNormalizer(RequiredString(e, "prepend", c)),
            "Replace" => new ReplaceNormalizer(ReadPattern(e, c), RequiredString(e, "content", c)),
            _ => throw Unsupported("normalizer", type, c),
        };
    }

    private PreTokenizer ReadPreTokenizer(JsonElement e, string c)
    {
        var type = TypeOf(e, c);
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(Array(e, "pretokenizers", c).Select((x, i) => ReadPreTokenizer(x, $"{c}.pretokenizers[{i}]")).ToList()),
            "Split" => new SplitPreTokenizer(ReadPattern(e, c), ReadBehavior(e, c, SplitBehavior.Isolated), Bool(e, "invert", false)),
            "ByteLevel" => new ByteLevelPreTokenizer(Bool(e, "add_prefix_space", true), Bool(e, "use_regex", true)),
            "Metaspace" => new MetaspacePreTokenizer(Replacement(e, c), ReadPrependScheme(e, c), Bool(e, "split", true)),
            "Whitespace" => new WhitespacePreTokenizer(),
            "WhitespaceSplit" => new WhitespaceSplitPreTokenizer(),
            "Punctuation" => new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, false, ReadBehavior(e, c, SplitBehavior.Isolated)),
            "Digits" => new CharClassPreTokenizer(char.IsDigit, !Bool(e, "individual_digits", false), SplitBehavior.Isolated),
            "BertPreTokenizer" => new SequencePreTokenizer([new WhitespaceSplitPreTokenizer(),
                new CharClassPreTokenizer(CharClassPreTokenizer.IsPunctuation, false, SplitBehavior.Isolated)]),
            _ => throw Unsupported("pre_tokenizer", type, c),
        };
    }

    private PostProcessor ReadPostProcessor(JsonElement e, string c)
    {
        var type = TypeOf(e, c);
        switch (type)
        {
            case "Sequence":
                return new SequencePostProcessor(Array(e, "processors", c).Select((x, i) => ReadPostProcessor(x, $"{c}.processors[{i}]")).ToList());
            case "ByteLevel":
                return new PassThroughPostProcessor
                {
                    TrimOffsetsAddPrefixSpace = Bool(e, "trim_offsets", true) ? Bool(e, "add_prefix_space", true) : null,
                };
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (e.TryGetProperty("special_tokens", out var st) && st.ValueKind == JsonValueKind.Object)
                    foreach (var p in st.EnumerateObject())
                        specials[p.Name] = p.Value.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array
                            ? ids.EnumerateArray().Select(x => x.GetInt32()).ToArray()
                            : throw Error($"special token \"{p.Name}\" has no ids", c + ".special_tokens");
                var single = ReadTemplate(e, "single", c, specials);
                var pair = e.TryGetProperty("pair", out _) ? ReadTemplate(e, "pair", c, specials) : single;
                return new TemplatePostProcessor(single, pair, specials);
            }
            case "RobertaProcessing":
            case "BertProcessing":
                return new ClsSepPostProcessor(TokenPairId(e, "cls", c), TokenPairId(e, "sep", c), type == "RobertaProcessing")
                {
                    TrimOffsetsAddPrefixSpace = type == "RobertaProcessing" && Bool(e, "trim_offsets", true) ? Bool(e, "add_prefix_space", true) : null,
                };
            default:
                throw Unsupported("post_processor", type, c);
        }
    }

    private List<TemplatePiece> ReadTemplate(JsonElement e, string name, string c, Dictionary<string, int[]> specials)
    {
        var result = new List<TemplatePiece>();
        foreach (var item in Array(e, name, c))
        {
            if (item.TryGetProperty("SpecialToken", out var st))
            {
                var id = RequiredString(st, "id", $"{c}.{name}");
                if (!specials.ContainsKey(id)) throw Error($"template uses \"{id}\", which is not in special_tokens", $"{c}.{name}");
                result.Add(new TemplatePiece(false, id, st.TryGetProperty("type_id", out var ti) ? ti.GetInt32() : 0));
            }
            else if (item.TryGetProperty("Sequence", out var sq))
                result.Add(new TemplatePiece(true, RequiredString(sq, "id", $"{c}.{name}"), sq.TryGetProperty("type_id", out var ti) ? ti.GetInt32() : 0));
            else throw Error("template item is neither SpecialToken nor Sequence", $"{c}.{name}");
        }
        return result;
    }

    private int TokenPairId(JsonElement e, string name, string c) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 2 && v[1].TryGetInt32(out var id)
            ? id : throw Error($"\"{name}\" must be [token, id]", c);

    private Decoder ReadDecoder(JsonElement e, string c)
    {
        var type = TypeOf(e, c);
        return type switch
        {
            "Sequence" => new SequenceDecoder(Array(e, "decoders", c).Select((x, i) => ReadDecoder(x, $"{c}.decoders[{i}]")).ToList()),
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(SingleChar(RequiredString(e, "content", c), c), Int(e, "start", 0), Int(e, "stop", 0)),
            "Replace" => new ReplaceDecoder(ReadPattern(e, c), RequiredString(e, "content", c)),
            "Metaspace" => new MetaspaceDecoder(Replacement(e, c), ReadPrependScheme(e, c) != PrependScheme.Never),
            "WordPiece" => new WordPieceDecoder(String(e, "prefix") ?? "##", Bool(e, "cleanup", true)),
            "BPEDecoder" => new BpeSuffixDecoder(String(e, "suffix") ?? "</w>"),
            _ => throw Unsupported("decoder", type, c),
        };
    }

    private List<AddedToken> ReadAddedTokens(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Error("expected an array", "added_tokens");
        var result = new List<AddedToken>();
        var i = 0;
        foreach (var t in e.EnumerateArray())
        {
            var c = $"added_tokens[{i++}]";
            if (!t.TryGetProperty("id", out var id) || !id.TryGetInt32(out var idValue)) throw Error("missing integer \"id\"", c);
            result.Add(new AddedToken(idValue, RequiredString(t, "content", c), Bool(t, "special", false), Bool(t, "single_word", false),
                Bool(t, "lstrip", false), Bool(t, "rstrip", false), Bool(t, "normalized", !Bool(t, "special", false))));
        }
        return result;
    }

    private TruncationOptions ReadTruncation(JsonElement e) =>
        new(Int(e, "max_length", 512), String(e, "direction") == "Left" ? Side.Left : Side.Right);

    private (PaddingOptions, string?) ReadPadding(JsonElement e)
    {
        int? fixedLength = e.TryGetProperty("strategy", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Fixed", out var f)
            ? f.GetInt32() : null;
        return (new PaddingOptions(fixedLength, String(e, "direction") == "Left" ? Side.Left : Side.Right,
            e.TryGetProperty("pad_to_multiple_of", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0,
            e.TryGetProperty("pad_id", out var pid) && pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : null,
            Int(e, "pad_type_id", 0)), String(e, "pad_token"));
    }

    private TextPattern ReadPattern(JsonElement e, string c)
    {
        if (!e.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.Object) throw Error("missing \"pattern\"", c);
        if (p.TryGetProperty("String", out var s) && s.ValueKind == JsonValueKind.String) return TextPattern.Literal(s.GetString()!);
        if (p.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String)
        {
            try { return TextPattern.FromRegex(r.GetString()!); }
            catch (ArgumentException ex) { throw Error($"regex \"{r.GetString()}\" is not supported: {ex.Message}", c + ".pattern"); }
        }
        throw Error("\"pattern\" must be {\"String\": …} or {\"Regex\": …}", c + ".pattern");
    }

    private SplitBehavior ReadBehavior(JsonElement e, string c, SplitBehavior fallback)
    {
        var b = String(e, "behavior");
        if (b is null) return fallback;
        return Enum.TryParse<SplitBehavior>(b, out var v) ? v : throw Error($"unknown split behavior \"{b}\"", c + ".behavior");
    }

    private PrependScheme ReadPrependScheme(JsonElement e, string c)
    {
        var s = String(e, "prepend_scheme");
        if (s is null) return Bool(e, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never;
        return s switch
        {
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            _ => throw Error($"unknown prepend_scheme \"{s}\"", c + ".prepend_scheme"),
        };
    }

    private char Replacement(JsonElement e, string c) => SingleChar(String(e, "replacement") ?? "\u2581", c + ".replacement");

    private char SingleChar(string s, string c) => s.Length == 1 ? s[0] : throw Error($"expected a single character, got \"{s}\"", c);

    private static JsonElement? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private string TypeOf(JsonElement e, string c) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()! : throw Error("missing \"type\"", c);

    private IEnumerable<JsonElement> Array(JsonElement e, string name, string c) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : throw Error($"missing array \"{name}\"", c);

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private string RequiredString(JsonElement e, string name, string c) => String(e, name) ?? throw Error($"missing string \"{name}\"", c);

    private static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => fallback } : fallback;

    private static int Int(JsonElement e, string name, int fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : fallback;

    private TokenizerFormatException Error(string message, string component) => new(message, _file, component);

    private TokenizerFormatException Unsupported(string kind, string type, string component) =>
        new($"{kind} type \"{type}\" is not supported", _file, component);
}
