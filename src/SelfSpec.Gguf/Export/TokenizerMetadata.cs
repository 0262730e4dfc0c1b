using System.Text.Json.Nodes;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Models;

namespace SelfSpec.Gguf.Export;

/// <summary>
/// Turns a Hugging Face <c>tokenizer.json</c> (+ <c>tokenizer_config.json</c>) into llama.cpp's <c>tokenizer.ggml.*</c>
/// metadata. Two kinds are supported, as llama.cpp's converter writes them: byte-level BPE (GPT-2, Llama-3, Qwen2:
/// <c>tokenizer.ggml.model = gpt2</c> with merges and a <c>tokenizer.ggml.pre</c> naming the pre-tokenizer regex) and
/// SentencePiece-style BPE with byte fallback and <c>▁</c> (Llama-2, Mistral: <c>tokenizer.ggml.model = llama</c> with
/// scores). Anything else is refused, naming what is unsupported, rather than written as a vocabulary llama.cpp would
/// split differently.
/// </summary>
public static class TokenizerMetadata
{
    /// <summary>The tokenizer file a model folder must hold.</summary>
    public const string FileName = "tokenizer.json";

    /// <summary>The Split regexes of Llama-3 (llama.cpp's llama-bpe) and Qwen2.</summary>
    private const string Llama3Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Qwen2Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// The tokenizer metadata for the model in <paramref name="modelDirectory"/>; <paramref name="notes"/> receives
    /// caveats worth telling the user (e.g. padding slots added to reach the model's vocabulary size).
    /// </summary>
    /// <exception cref="GgufExportException">No tokenizer.json, or a tokenizer llama.cpp cannot reproduce.</exception>
    public static List<KeyValuePair<string, GgufValue>> Build(string modelDirectory, LlamaConfig config, ICollection<string> notes)
    {
        var file = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(file))
            throw new GgufExportException($"{modelDirectory} has no {FileName}: a GGUF model must carry its tokenizer (only Hugging Face tokenizer.json files are read)");
        var root = ParseObject(file);
        var tokenizerConfig = Path.Combine(modelDirectory, "tokenizer_config.json") is var tc && File.Exists(tc) ? ParseObject(tc) : new JsonObject();
        var model = root["model"] as JsonObject ?? throw new GgufExportException($"{file}: 'model' is missing");
        var modelType = model["type"]?.GetValue<string>() ?? "BPE";
        if (modelType != "BPE")
            throw new GgufExportException($"{file}: tokenizer model '{modelType}' is not supported (only BPE: byte-level like GPT-2/Llama-3, or SentencePiece-style with byte_fallback like Llama-2)");
        var vocab = model["vocab"] as JsonObject ?? throw new GgufExportException($"{file}: model.vocab is missing");
        var byteFallback = model["byte_fallback"] is JsonValue bf && bf.GetValue<bool>();

        var tokens = new SortedDictionary<int, string>();
        foreach (var (text, id) in vocab) tokens[id!.GetValue<int>()] = text;
        var added = new Dictionary<int, (string Content, bool Special)>();
        foreach (var node in root["added_tokens"] as JsonArray ?? [])
        {
            var id = node!["id"]!.GetValue<int>();
            var content = node["content"]!.GetValue<string>();
            added[id] = (content, node["special"]?.GetValue<bool>() ?? false);
            tokens[id] = content;
        }
        var count = tokens.Count == 0 ? 0 : tokens.Keys.Max() + 1;
        if (count > config.VocabSize)
            throw new GgufExportException($"{file} has {count} tokens but config.json's vocab_size is {config.VocabSize}");
        if (count < config.VocabSize)
            notes.Add($"{file} has {count} tokens; ids {count}..{config.VocabSize - 1} of the embedding are written as unused [PADn] tokens");

        var merges = ReadMerges(model, file);
        var kind = byteFallback ? SentencePieceKind(root, file, notes) : ByteLevelPre(root, file, notes);
        var result = new List<KeyValuePair<string, GgufValue>>();
        var strings = new string[config.VocabSize];
        var types = new int[config.VocabSize];
        for (var id = 0; id < config.VocabSize; id++)
        {
            if (!tokens.TryGetValue(id, out var text))
            {
                strings[id] = $"[PAD{id}]";
                types[id] = (int)GgufTokenType.Unused;
                continue;
            }
            strings[id] = text;
            types[id] = (int)TypeOf(id, text, added, model, byteFallback);
        }
        if (byteFallback)
        {
            result.Add(new("tokenizer.ggml.model", GgufValue.Of("llama")));
            result.Add(new("tokenizer.ggml.tokens", GgufValue.Of(strings)));
            result.Add(new("tokenizer.ggml.scores", GgufValue.Of(MergeScores(strings, merges))));
            result.Add(new("tokenizer.ggml.token_type", GgufValue.Of(types)));
            result.Add(new("tokenizer.ggml.add_space_prefix", GgufValue.Of(kind == "prefix")));
        }
        else
        {
            result.Add(new("tokenizer.ggml.model", GgufValue.Of("gpt2")));
            result.Add(new("tokenizer.ggml.pre", GgufValue.Of(kind)));
            result.Add(new("tokenizer.ggml.tokens", GgufValue.Of(strings)));
            result.Add(new("tokenizer.ggml.token_type", GgufValue.Of(types)));
            result.Add(new("tokenizer.ggml.merges", GgufValue.Of(merges.Select(m => m.Left + " " + m.Right).ToArray())));
        }
        AddSpecialTokens(result, root, tokenizerConfig, config, tokens, file);
        return result;
    }

    private static GgufTokenType TypeOf(int id, string text, Dictionary<int, (string Content, bool Special)> added, JsonObject model, bool byteFallback)
    {
        if (model["unk_token"]?.GetValue<string>() == text) return GgufTokenType.Unknown;
        if (added.TryGetValue(id, out var a)) return a.Special ? GgufTokenType.Control : GgufTokenType.UserDefined;
        if (byteFallback && text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text.EndsWith('>')) return GgufTokenType.Byte;
        return GgufTokenType.Normal;
    }

    /// <summary>
    /// llama.cpp's SentencePiece tokenizer merges the adjacent pair whose concatenation has the highest score; HF's BPE
    /// merges the pair of lowest rank. Scoring each token −(rank of the first merge that produces it) makes the two
    /// choose the same merge; tokens no merge produces score 0 and are never merge results.
    /// </summary>
    private static float[] MergeScores(string[] tokens, List<(string Left, string Right)> merges)
    {
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Count; rank++) rankOf.TryAdd(merges[rank].Left + merges[rank].Right, rank);
        return tokens.Select(t => rankOf.TryGetValue(t, out var r) ? -(float)r - 1 : 0f).ToArray();
    }

    private static List<(string Left, string Right)> ReadMerges(JsonObject model, string file)
    {
        var result = new List<(string, string)>();
        foreach (var m in model["merges"] as JsonArray ?? [])
        {
            switch (m)
            {
                case JsonArray pair when pair.Count == 2: result.Add((pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>())); break;
                case JsonValue v when v.GetValue<string>().Split(' ') is [var l, var r]: result.Add((l, r)); break;
                default: throw new GgufExportException($"{file}: merge #{result.Count} ({m?.ToJsonString()}) is not a pair of tokens");
            }
        }
        return result;
    }

    /// <summary>The <c>tokenizer.ggml.pre</c> name of a byte-level BPE's pre-tokenizer, or an error naming it.</summary>
    private static string ByteLevelPre(JsonObject root, string file, ICollection<string> notes)
    {
        if (root["normalizer"] is JsonObject n)
        {
            var type = n["type"]?.GetValue<string>();
            if (type != "NFC") throw new GgufExportException($"{file}: normalizer '{type}' is not supported for a byte-level BPE (llama.cpp applies none)");
            notes.Add($"{file}: llama.cpp does not apply the NFC normalizer; text already in NFC tokenizes the same");
        }
        var pre = root["pre_tokenizer"] as JsonObject ?? throw new GgufExportException($"{file}: a byte-level BPE needs a pre_tokenizer (none found)");
        var decoder = root["decoder"] as JsonObject;
        if (decoder?["type"]?.GetValue<string>() != "ByteLevel")
            throw new GgufExportException($"{file}: BPE without byte_fallback must be byte-level (decoder ByteLevel), found decoder '{decoder?["type"]}'");
        var kind = pre["type"]?.GetValue<string>();
        if (kind == "ByteLevel")
        {
            if (pre["use_regex"] is JsonValue ur && !ur.GetValue<bool>())
                throw new GgufExportException($"{file}: pre_tokenizer ByteLevel without use_regex has no llama.cpp equivalent");
            if (pre["add_prefix_space"] is JsonValue ap && ap.GetValue<bool>())
                throw new GgufExportException($"{file}: pre_tokenizer ByteLevel with add_prefix_space has no llama.cpp equivalent");
            return "gpt-2";
        }
        if (kind == "Sequence" && pre["pretokenizers"] is JsonArray { Count: 2 } seq
            && seq[0]?["type"]?.GetValue<string>() == "Split" && seq[1]?["type"]?.GetValue<string>() == "ByteLevel"
            && seq[1]?["use_regex"] is JsonValue u && !u.GetValue<bool>()
            && seq[0]?["behavior"]?.GetValue<string>() == "Isolated" && !(seq[0]?["invert"]?.GetValue<bool>() ?? false))
        {
            var regex = seq[0]?["pattern"]?["Regex"]?.GetValue<string>();
            if (regex == Llama3Regex) return "llama-bpe";
            if (regex == Qwen2Regex) return "qwen2";
            throw new GgufExportException($"{file}: the pre-tokenizer regex {regex} is not one llama.cpp knows (supported: GPT-2, Llama-3, Qwen2)");
        }
        throw new GgufExportException($"{file}: pre_tokenizer '{kind}' is not supported for a byte-level BPE (supported: ByteLevel as GPT-2, Split(Llama-3 or Qwen2 regex) + ByteLevel)");
    }

    /// <summary>
    /// Checks a SentencePiece-style BPE (byte fallback, ▁ for spaces) and returns "prefix" when it prepends ▁ to the
    /// text (llama.cpp's add_space_prefix) or "none".
    /// </summary>
    private static string SentencePieceKind(JsonObject root, string file, ICollection<string> notes)
    {
        var normalizer = root["normalizer"] as JsonObject;
        var pre = root["pre_tokenizer"] as JsonObject;
        var steps = normalizer?["type"]?.GetValue<string>() == "Sequence" ? normalizer["normalizers"] as JsonArray ?? [] : normalizer == null ? [] : new JsonArray(normalizer.DeepClone());
        var prepends = false;
        var replacesSpace = false;
        foreach (var step in steps)
        {
            var type = step?["type"]?.GetValue<string>();
            if (type == "Prepend" && step?["prepend"]?.GetValue<string>() == "▁") prepends = true;
            else if (type == "Replace" && step?["pattern"]?["String"]?.GetValue<string>() == " " && step?["content"]?.GetValue<string>() == "▁") replacesSpace = true;
            else throw new GgufExportException($"{file}: normalizer step '{type}' is not supported for a SentencePiece-style BPE (llama.cpp only prepends ▁ and maps spaces to ▁)");
        }
        if (pre != null)
        {
            var type = pre["type"]?.GetValue<string>();
            if (type != "Metaspace" || pre["replacement"]?.GetValue<string>() != "▁" || (pre["split"]?.GetValue<bool>() ?? true))
                throw new GgufExportException($"{file}: pre_tokenizer '{type}' is not supported for a SentencePiece-style BPE (supported: none, or Metaspace with replacement ▁ and split false)");
            var scheme = pre["prepend_scheme"]?.GetValue<string>() ?? "always";
            if (scheme == "never") return "none";
            notes.Add($"{file}: llama.cpp's SentencePiece tokenizer always prepends ▁ (the legacy behaviour), also to text that starts with " +
                $"whitespace and to text after a special token; this Metaspace (prepend_scheme '{scheme}') does not, so such texts tokenize differently in llama.cpp");
            return "prefix";
        }
        if (!replacesSpace)
            throw new GgufExportException($"{file}: a byte_fallback BPE must map spaces to ▁ (a Replace normalizer or a Metaspace pre-tokenizer); found neither");
        return prepends ? "prefix" : "none";
    }

    private static void AddSpecialTokens(List<KeyValuePair<string, GgufValue>> result, JsonObject root, JsonObject tokenizerConfig, LlamaConfig config,
        SortedDictionary<int, string> tokens, string file)
    {
        var idOf = tokens.GroupBy(kv => kv.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        int? Special(string key)
        {
            var node = tokenizerConfig[key];
            var text = node switch { JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(), JsonObject o => o["content"]?.GetValue<string>(), _ => null };
            if (text == null) return null;
            return idOf.TryGetValue(text, out var id) ? id : throw new GgufExportException($"{file}: tokenizer_config.json's {key} '{text}' is not in the vocabulary");
        }
        var templateFirst = FirstTemplateSpecial(root);
        var bos = Special("bos_token") ?? config.BosTokenId ?? (templateFirst != null && idOf.TryGetValue(templateFirst, out var t) ? t : null);
        var eos = Special("eos_token") ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null);
        var unk = Special("unk_token") ?? (root["model"]?["unk_token"]?.GetValue<string>() is { } u && idOf.TryGetValue(u, out var ui) ? ui : null);
        var pad = Special("pad_token") ?? config.PadTokenId;
        if (bos is { } b) result.Add(new("tokenizer.ggml.bos_token_id", GgufValue.Of((uint)b)));
        if (eos is { } e) result.Add(new("tokenizer.ggml.eos_token_id", GgufValue.Of((uint)e)));
        if (unk is { } k) result.Add(new("tokenizer.ggml.unknown_token_id", GgufValue.Of((uint)k)));
        if (pad is { } p) result.Add(new("tokenizer.ggml.padding_token_id", GgufValue.Of((uint)p)));
        // add_bos_token: tokenizer_config.json says so explicitly, else the post-processor's template starts with a special token.
        var addBos = tokenizerConfig["add_bos_token"] is JsonValue ab ? ab.GetValue<bool>() : templateFirst != null;
        var addEos = tokenizerConfig["add_eos_token"] is JsonValue ae && ae.GetValue<bool>();
        result.Add(new("tokenizer.ggml.add_bos_token", GgufValue.Of(addBos)));
        result.Add(new("tokenizer.ggml.add_eos_token", GgufValue.Of(addEos)));
        if (tokenizerConfig["chat_template"] is JsonValue ct && ct.GetValueKind() == System.Text.Json.JsonValueKind.String)
            result.Add(new("tokenizer.chat_template", GgufValue.Of(ct.GetValue<string>())));
    }

    /// <summary>The special token a TemplateProcessing post-processor puts before a single sequence, if any.</summary>
    private static string? FirstTemplateSpecial(JsonObject root)
    {
        var post = root["post_processor"] as JsonObject;
        if (post?["type"]?.GetValue<string>() == "Sequence")
            post = (post["processors"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => p["type"]?.GetValue<string>() == "TemplateProcessing");
        if (post?["type"]?.GetValue<string>() != "TemplateProcessing") return null;
        return post["single"] is JsonArray { Count: > 0 } single ? single[0]?["SpecialToken"]?["id"]?.GetValue<string>() : null;
    }

    private static JsonObject ParseObject(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new GgufExportException($"{file} is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GgufExportException($"{file} is not valid JSON: {e.Message}", e);
        }
    }
}
