using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary><c>POST /v1/completions</c>: OpenAI's legacy completions with vLLM's extras, streamed or not.</summary>
internal sealed class CompletionsEndpoint(ServedModels models, ServeOptions options)
{
    private static readonly HashSet<string> Known = [.. SamplingParameters.Names, "prompt", "logprobs", "echo", "suffix", "prompt_logprobs"];

    public async Task HandleAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(Known);
        var modelName = body.String("model");
        var vocab = models.Model.Config.VocabSize;
        var p = SamplingParameters.Read(body, vocab, addSpecialTokensDefault: true);
        if (body.String("suffix") is { Length: > 0 }) throw OpenAiError.BadParameter("suffix", "'suffix' is not supported");
        var topLogprobs = Logprobs.ReadCount(body, "logprobs", options, vocab);
        if (body.Node("prompt_logprobs") is not null) throw OpenAiError.BadParameter("prompt_logprobs", "'prompt_logprobs' is not supported; use echo with logprobs");
        var echo = body.Bool("echo") ?? false;
        var prompts = Prompts.Read(body.Node("prompt"), models, p.AddSpecialTokens);
        var maxTokens = p.MaxTokens ?? 16;
        foreach (var prompt in prompts) Prompts.CheckLength(prompt.Count, maxTokens, models.MaxModelLen, p.MaxTokens is null);
        var adapter = models.Resolve(modelName);
        var name = modelName ?? models.BaseName;
        var id = "cmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var started = DateTime.UtcNow;
        // The call owns the adapter lease from here on.
        var call = GenerationCall.Start(models.Engine, adapter, prompts, p.N, (choice, prompt) => new SequenceRequest
        {
            PromptIds = prompt,
            MaxTokens = maxTokens,
            Sampling = p.Sampling(choice % p.N),
            StopStrings = p.Stop,
            StopTokenIds = p.StopTokenIds,
            IgnoreEos = p.IgnoreEos,
            Adapter = adapter?.Adapter,
            TopLogprobs = topLogprobs,
            PromptLogprobs = echo && topLogprobs is not null,
        });
        using (call)
        {
            if (p.Stream) await StreamAsync(context, call, p, name, id, created, echo, topLogprobs);
            else
            {
                var results = await call.WaitAllAsync(context.RequestAborted);
                await Respond(context, call, results, p, name, id, created, echo, topLogprobs);
            }
            RequestLog.Write(id, name, call, started);
        }
    }

    private Task Respond(HttpContext context, GenerationCall call, SequenceResult[] results, SamplingParameters p, string name, string id, long created,
        bool echo, int? topLogprobs)
    {
        var choices = new JsonArray();
        for (var i = 0; i < results.Length; i++)
        {
            var r = results[i];
            var prompt = call.PromptOf(i);
            var text = TextStream.Final(models, r, p.SkipSpecialTokens);
            JsonNode? logprobs = null;
            if (topLogprobs is not null)
            {
                var entries = new List<(int Id, GeneratedToken? Lp)>();
                if (echo) entries.AddRange(prompt.Select((t, k) => (t, r.PromptLogprobs?[k])));
                entries.AddRange(r.Reported.Select(t => (t.TokenId, (GeneratedToken?)t)));
                logprobs = Logprobs.CompletionShape(models, entries, p.TokensAsIds);
            }
            var choice = new JsonObject
            {
                ["index"] = i,
                ["text"] = echo ? models.Decode(prompt, p.SkipSpecialTokens) + text : text,
                ["logprobs"] = logprobs,
                ["finish_reason"] = Finish(r),
                ["stop_reason"] = StopReason(r),
            };
            if (p.ReturnTokenIds || models.Tokenizer is null)
            {
                choice["prompt_token_ids"] = new JsonArray(prompt.Select(t => (JsonNode)t).ToArray());
                choice["token_ids"] = new JsonArray(r.TokenIds.Select(t => (JsonNode)t).ToArray());
            }
            choices.Add(choice);
        }
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "text_completion",
            ["created"] = created,
            ["model"] = name,
            ["choices"] = choices,
            ["usage"] = Usage(call, results.Sum(r => r.TokenIds.Count)),
        };
        return Http.WriteJson(context, json);
    }

    private async Task StreamAsync(HttpContext context, GenerationCall call, SamplingParameters p, string name, string id, long created, bool echo, int? topLogprobs)
    {
        await Http.StartEventStream(context);
        var streams = call.Handles.Select(_ => new TextStream(models, p.Stop, p.SkipSpecialTokens)).ToArray();
        var generated = 0;
        JsonObject Chunk(int index, string text, JsonNode? logprobs, string? finish, object? stopReason)
        {
            var choice = new JsonObject { ["index"] = index, ["text"] = text, ["logprobs"] = logprobs, ["finish_reason"] = finish };
            if (finish is not null) choice["stop_reason"] = stopReason switch { null => null, int t => t, var s => s.ToString() };
            return new JsonObject { ["id"] = id, ["object"] = "text_completion", ["created"] = created, ["model"] = name, ["choices"] = new JsonArray(choice) };
        }
        if (echo)
            for (var i = 0; i < call.Handles.Count; i++)
                await Http.WriteEvent(context, Chunk(i, models.Decode(call.PromptOf(i), p.SkipSpecialTokens), null, null, null));
        await foreach (var e in call.EventsAsync(context.RequestAborted))
        {
            if (e.Token is { } token)
            {
                generated++;
                var delta = streams[e.Choice].Push(token.TokenId);
                var lp = topLogprobs is null ? null : Logprobs.CompletionShape(models, [(token.TokenId, token)], p.TokensAsIds);
                await Http.WriteEvent(context, Chunk(e.Choice, delta, lp, null, null));
            }
            else if (e.End is { } end)
            {
                await Http.WriteEvent(context, Chunk(e.Choice, streams[e.Choice].Finish(end), null, Finish(end), end.Matched));
            }
        }
        if (p.IncludeUsage)
            await Http.WriteEvent(context, new JsonObject
            {
                ["id"] = id, ["object"] = "text_completion", ["created"] = created, ["model"] = name, ["choices"] = new JsonArray(), ["usage"] = Usage(call, generated),
            });
        await Http.WriteDone(context);
    }

    internal static string Finish(SequenceResult r) => r.Finish switch
    {
        SequenceFinish.Stop => "stop",
        SequenceFinish.Length => "length",
        _ => "abort",
    };

    internal static JsonNode? StopReason(SequenceResult r) => r.Matched switch
    {
        null => null,
        int t => t,
        var s => s.ToString(),
    };

    internal static JsonObject Usage(GenerationCall call, int completionTokens)
    {
        var promptTokens = call.Prompts.Sum(x => x.Count);
        return new JsonObject
        {
            ["prompt_tokens"] = promptTokens,
            ["total_tokens"] = promptTokens + completionTokens,
            ["completion_tokens"] = completionTokens,
        };
    }
}
