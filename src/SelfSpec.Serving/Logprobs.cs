using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary>Reading the requested number of log-probabilities and writing them in the completions and chat shapes.</summary>
internal static class Logprobs
{
    /// <summary>The top-N a request asks for under <paramref name="name"/> (null: none), capped by <c>--max-logprobs</c>.</summary>
    public static int? ReadCount(RequestBody body, string name, ServeOptions options, int vocab)
    {
        var cap = options.MaxLogprobs < 0 ? vocab : options.MaxLogprobs;
        var n = body.Integer(name, 0, long.MaxValue);
        if (n is null) return null;
        if (n > cap)
            throw OpenAiError.BadParameter(name, $"Requested {name} of {n}, which is greater than max allowed: {cap} (the server's --max-logprobs)");
        return (int)Math.Min(n.Value, vocab);
    }

    /// <summary>
    /// Completions' shape: <c>{"text_offset", "token_logprobs", "tokens", "top_logprobs"}</c>; a prompt's first token
    /// has null entries. Each top_logprobs map also holds the chosen token, as vLLM's does.
    /// </summary>
    public static JsonObject CompletionShape(ServedModels models, IReadOnlyList<(int Id, GeneratedToken? Lp)> entries, bool asIds, int offset = 0)
    {
        var offsets = new JsonArray();
        var logprobs = new JsonArray();
        var tokens = new JsonArray();
        var tops = new JsonArray();
        foreach (var (id, lp) in entries)
        {
            var text = models.TokenText(id, asIds);
            offsets.Add(offset);
            offset += text.Length;
            tokens.Add(text);
            logprobs.Add(lp is null ? null : Number(lp.Logprob));
            if (lp?.Top is null)
            {
                tops.Add(null);
                continue;
            }
            var map = new JsonObject();
            foreach (var t in lp.Top) map[models.TokenText(t.TokenId, asIds)] = Number(t.Logprob);
            var chosen = models.TokenText(id, asIds);
            if (!map.ContainsKey(chosen)) map[chosen] = Number(lp.Logprob);
            tops.Add(map);
        }
        return new JsonObject { ["text_offset"] = offsets, ["token_logprobs"] = logprobs, ["tokens"] = tokens, ["top_logprobs"] = tops };
    }

    /// <summary>Chat's shape for one token: <c>{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}</c>.</summary>
    public static JsonObject ChatEntry(ServedModels models, GeneratedToken lp, bool asIds)
    {
        var top = new JsonArray();
        foreach (var t in lp.Top ?? []) top.Add(ChatToken(models, t.TokenId, t.Logprob, asIds));
        var entry = ChatToken(models, lp.TokenId, lp.Logprob, asIds);
        entry["top_logprobs"] = top;
        return entry;
    }

    private static JsonObject ChatToken(ServedModels models, int id, double logprob, bool asIds)
    {
        var text = models.TokenText(id, asIds);
        return new JsonObject
        {
            ["token"] = text,
            ["logprob"] = Number(logprob),
            ["bytes"] = new JsonArray(Encoding.UTF8.GetBytes(text).Select(b => (JsonNode)(int)b).ToArray()),
        };
    }

    /// <summary>A log-probability as JSON: −inf (a token top-p or the mask ruled out) is sent as −9999.0, as vLLM does.</summary>
    public static JsonNode Number(double logprob) => JsonValue.Create(double.IsNegativeInfinity(logprob) ? -9999.0 : logprob);
}
