using System.Text.Json;

namespace SelfSpec.Tokenizers;

/// <summary>
/// The parts of <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> a runtime needs: the names of the
/// special tokens and the chat template.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>Beginning-of-sequence token text.</summary>
    public string? BosToken { get; init; }

    /// <summary>End-of-sequence token text.</summary>
    public string? EosToken { get; init; }

    /// <summary>Padding token text.</summary>
    public string? PadToken { get; init; }

    /// <summary>Unknown token text.</summary>
    public string? UnkToken { get; init; }

    /// <summary>The Jinja chat template, if the file has one (the one named <c>default</c> when several are given).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>The <c>model_max_length</c>, when set to a real value.</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary>Reads <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from a folder (either may be missing).</summary>
    public static TokenizerConfig FromDirectory(string directory)
    {
        var config = new TokenizerConfig();
        foreach (var name in new[] { "special_tokens_map.json", "tokenizer_config.json" })
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
            catch (JsonException e) { throw new TokenizerFormatException("not valid JSON: " + e.Message, path, inner: e); }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new TokenizerFormatException("expected a JSON object", path);
                config = config with
                {
                    BosToken = TokenText(root, "bos_token") ?? config.BosToken,
                    EosToken = TokenText(root, "eos_token") ?? config.EosToken,
                    PadToken = TokenText(root, "pad_token") ?? config.PadToken,
                    UnkToken = TokenText(root, "unk_token") ?? config.UnkToken,
                    ChatTemplate = Template(root) ?? config.ChatTemplate,
                    ModelMaxLength = root.TryGetProperty("model_max_length", out var m) && m.ValueKind == JsonValueKind.Number
                        && m.TryGetInt64(out var ml) && ml < 1_000_000_000 ? ml : config.ModelMaxLength,
                };
            }
        }
        return config;
    }

    private static string? TokenText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => null,
        };
    }

    private static string? Template(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind != JsonValueKind.Array) return null;
        string? first = null;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("template", out var t) || t.ValueKind != JsonValueKind.String) continue;
            first ??= t.GetString();
            if (item.TryGetProperty("name", out var n) && n.GetString() == "default") return t.GetString();
        }
        return first;
    }
}
