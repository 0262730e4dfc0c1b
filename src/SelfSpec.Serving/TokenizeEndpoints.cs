using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>vLLM's <c>POST /tokenize</c> ({model, prompt | messages, add_special_tokens}) and <c>POST /detokenize</c> ({model, tokens}).</summary>
internal sealed class TokenizeEndpoints(ServedModels models, ServeOptions options)
{
    private static readonly HashSet<string> TokenizeKnown = ["model", "prompt", "messages", "add_special_tokens", "add_generation_prompt", "continue_final_message", "return_token_strs"];
    private static readonly HashSet<string> DetokenizeKnown = ["model", "tokens"];

    public async Task TokenizeAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(TokenizeKnown);
        var adapter = models.Resolve(body.String("model"));
        adapter?.Release();
        if (models.Tokenizer is null) throw new OpenAiError(400, "this model folder has no tokenizer.json: it takes token ids only", "prompt");
        IReadOnlyList<int> ids;
        if (body.Has("messages"))
        {
            if (body.Has("prompt")) throw OpenAiError.BadParameter("prompt", "give either 'prompt' or 'messages', not both");
            var prompt = ChatPrompt.Render(models, adapter, body.Node("messages"), body.Bool("add_generation_prompt") ?? true);
            ids = Prompts.Encode(prompt, models, body.Bool("add_special_tokens") ?? false, "messages");
        }
        else
        {
            var text = body.String("prompt") ?? throw OpenAiError.BadParameter("prompt", "'prompt' (a string) or 'messages' is required");
            ids = models.Tokenizer.Encode(text, body.Bool("add_special_tokens") ?? true);
        }
        var json = new JsonObject
        {
            ["count"] = ids.Count,
            ["max_model_len"] = models.MaxModelLen,
            ["tokens"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()),
            ["token_strs"] = body.Bool("return_token_strs") == true ? new JsonArray(ids.Select(i => (JsonNode)models.TokenText(i, false)).ToArray()) : null,
        };
        await Http.WriteJson(context, json);
    }

    public async Task DetokenizeAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(DetokenizeKnown);
        models.Resolve(body.String("model"))?.Release();
        if (models.Tokenizer is null) throw new OpenAiError(400, "this model folder has no tokenizer.json: there is no text to give", "tokens");
        if (body.Node("tokens") is not JsonArray) throw OpenAiError.BadParameter("tokens", "'tokens' must be a list of token ids");
        var ids = body.IntList("tokens", 0, models.Model.Config.VocabSize - 1);
        // An embedding table padded beyond the tokenizer (ids the model can emit but the vocabulary lacks) decodes to
        // nothing, as Hugging Face's fast tokenizers and the in-process decoders do, instead of failing the request.
        var tokenizer = models.Tokenizer;
        await Http.WriteJson(context, new JsonObject { ["prompt"] = tokenizer.Decode(ids.Where(id => tokenizer.IdToToken(id) != null), skipSpecialTokens: false) });
    }
}
