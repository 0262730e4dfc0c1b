using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Serving;

/// <summary>The <c>prompt</c> of a completion: text, token ids, or a list of either; and the context-length check.</summary>
internal static class Prompts
{
    /// <summary>The most prompts one request may carry.</summary>
    public const int MaxPrompts = 256;

    public static IReadOnlyList<IReadOnlyList<int>> Read(JsonNode? node, ServedModels models, bool addSpecialTokens)
    {
        if (node is null) throw OpenAiError.BadParameter("prompt", "'prompt' is required");
        var vocab = models.Model.Config.VocabSize;
        if (node.GetValueKind() == JsonValueKind.String) return [Encode(node.GetValue<string>(), models, addSpecialTokens)];
        if (node is not JsonArray array || array.Count == 0)
            throw OpenAiError.BadParameter("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists (non-empty)");
        // One token-id prompt is a flat list of numbers of any length; the cap counts prompts, not tokens.
        if (array.All(x => x is not null && x.GetValueKind() == JsonValueKind.Number)) return [Ids(array, vocab)];
        if (array.Count > MaxPrompts) throw OpenAiError.BadParameter("prompt", $"at most {MaxPrompts} prompts per request, got {array.Count}");
        var prompts = new List<IReadOnlyList<int>>();
        foreach (var item in array)
        {
            if (item is not null && item.GetValueKind() == JsonValueKind.String) prompts.Add(Encode(item.GetValue<string>(), models, addSpecialTokens));
            else if (item is JsonArray ids && ids.Count > 0) prompts.Add(Ids(ids, vocab));
            else throw OpenAiError.BadParameter("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists (non-empty)");
        }
        return prompts;
    }

    private static IReadOnlyList<int> Ids(JsonArray array, int vocab)
    {
        var ids = new int[array.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            var n = array[i];
            if (n is null || n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<long>(out var v))
                throw OpenAiError.BadParameter("prompt", $"'prompt' token ids must be integers (entry {i} is {RequestBody.Kind(n)})");
            if (v < 0 || v >= vocab) throw OpenAiError.BadParameter("prompt", $"Token id {v} is out of vocabulary (0..{vocab - 1})");
            ids[i] = (int)v;
        }
        if (ids.Length == 0) throw OpenAiError.BadParameter("prompt", "'prompt' is empty");
        return ids;
    }

    /// <summary>A text prompt's ids (400 without a tokenizer or when it encodes to nothing).</summary>
    public static IReadOnlyList<int> Encode(string text, ServedModels models, bool addSpecialTokens, string param = "prompt")
    {
        if (models.Tokenizer is null)
            throw OpenAiError.BadParameter(param, "this model folder has no tokenizer.json: send the prompt as token ids");
        var ids = models.Tokenizer.Encode(text, addSpecialTokens);
        if (ids.Length == 0) throw OpenAiError.BadParameter(param, "the prompt is empty (it encodes to no tokens)");
        var vocab = models.Model.Config.VocabSize;
        if (ids.FirstOrDefault(i => i < 0 || i >= vocab, -1) is var bad and >= 0)
            throw OpenAiError.BadParameter(param, $"the tokenizer produced token id {bad}, outside the model's vocabulary (0..{vocab - 1})");
        return ids;
    }

    /// <summary>400 in vLLM's words when prompt + completion exceed the context.</summary>
    public static void CheckLength(int promptTokens, int maxTokens, int maxModelLen, bool maxTokensDefaulted)
    {
        if (promptTokens >= maxModelLen)
            throw OpenAiError.BadParameter("prompt",
                $"This model's maximum context length is {maxModelLen} tokens. However, your request has {promptTokens} input tokens. Please reduce the length of the input messages.");
        if (promptTokens + maxTokens > maxModelLen && !maxTokensDefaulted)
            throw OpenAiError.BadParameter("max_tokens",
                $"This model's maximum context length is {maxModelLen} tokens. However, you requested {promptTokens + maxTokens} tokens ({promptTokens} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.");
    }
}
