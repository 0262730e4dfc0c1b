using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary><c>POST /v1/chat/completions</c>: messages through the chat template (or Alpaca), then generation as for completions, in chat's shapes.</summary>
internal sealed class ChatCompletionsEndpoint(ServedModels models, ServeOptions options)
{
    private static readonly HashSet<string> Known =
        [.. SamplingParameters.Names, "messages", "logprobs", "top_logprobs", "max_completion_tokens", "add_generation_prompt", "echo",
         "response_format", "tools", "tool_choice", "parallel_tool_calls", "store", "metadata", "modalities", "service_level", "reasoning_effort",
         "continue_final_message", "chat_template_kwargs"];

    public async Task HandleAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(Known);
        foreach (var unsupported in new[] { "tools", "response_format", "chat_template_kwargs" })
            if (body.Node(unsupported) is { } node && !(node is JsonArray { Count: 0 }) && !(unsupported == "response_format" && node["type"]?.ToString() == "text"))
                throw OpenAiError.BadParameter(unsupported, $"'{unsupported}' is not supported");
        if (body.Node("tool_choice") is { } tc && tc.ToString() != "none" && tc.ToString() != "auto") throw OpenAiError.BadParameter("tool_choice", "'tool_choice' is not supported");
        if (body.Bool("continue_final_message") == true) throw OpenAiError.BadParameter("continue_final_message", "'continue_final_message' is not supported");
        if (body.Bool("echo") == true) throw OpenAiError.BadParameter("echo", "'echo' is not supported for chat");
        var modelName = body.String("model");
        var vocab = models.Model.Config.VocabSize;
        var messages = ChatPrompt.Read(body.Node("messages"));
        var wantLogprobs = body.Bool("logprobs") ?? false;
        var top = Logprobs.ReadCount(body, "top_logprobs", options, vocab);
        if (top is not null && !wantLogprobs) throw OpenAiError.BadParameter("top_logprobs", "'top_logprobs' needs logprobs=true");
        var maxCompletion = body.Integer("max_completion_tokens", 1, int.MaxValue);
        var adapter = models.Resolve(modelName);
        var leaseHandedOver = false;
        try
        {
            var text = ChatPrompt.Render(models, adapter, messages, body.Bool("add_generation_prompt") ?? true, out var templated);
            var p = SamplingParameters.Read(body, vocab, addSpecialTokensDefault: !templated);
            var prompt = Prompts.Encode(text, models, p.AddSpecialTokens, "messages");
            var requested = p.MaxTokens ?? (maxCompletion is { } mc ? (int)mc : null);
            Prompts.CheckLength(prompt.Count, requested ?? 0, models.MaxModelLen, requested is null);
            var maxTokens = requested ?? models.MaxModelLen - prompt.Count;
            leaseHandedOver = true; // GenerationCall.Start owns it now
            await RunAsync(context, adapter, modelName ?? models.BaseName, prompt, p, maxTokens, wantLogprobs ? top ?? 0 : null);
        }
        catch
        {
            if (!leaseHandedOver) adapter?.Release();
            throw;
        }
    }

    private async Task RunAsync(HttpContext context, ServedAdapter? adapter, string name, IReadOnlyList<int> prompt, SamplingParameters p, int maxTokens, int? top)
    {
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var started = DateTime.UtcNow;
        var call = GenerationCall.Start(models.Engine, adapter, [prompt], p.N, (choice, ids) => new SequenceRequest
        {
            PromptIds = ids,
            MaxTokens = maxTokens,
            Sampling = p.Sampling(choice),
            StopStrings = p.Stop,
            StopTokenIds = p.StopTokenIds,
            IgnoreEos = p.IgnoreEos,
            Adapter = adapter?.Adapter,
            TopLogprobs = top,
        });
        using (call)
        {
            if (p.Stream) await StreamAsync(context, call, p, name, id, created, top);
            else
            {
                var results = await call.WaitAllAsync(context.RequestAborted);
                var choices = new JsonArray();
                for (var i = 0; i < results.Length; i++)
                {
                    var r = results[i];
                    var choice = new JsonObject
                    {
                        ["index"] = i,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = TextStream.Final(models, r, p.SkipSpecialTokens), ["tool_calls"] = new JsonArray() },
                        ["logprobs"] = top is null ? null : new JsonObject { ["content"] = new JsonArray(r.Reported.Select(t => (JsonNode)Logprobs.ChatEntry(models, t, p.TokensAsIds)).ToArray()) },
                        ["finish_reason"] = CompletionsEndpoint.Finish(r),
                        ["stop_reason"] = CompletionsEndpoint.StopReason(r),
                    };
                    if (p.ReturnTokenIds || models.Tokenizer is null) choice["token_ids"] = new JsonArray(r.TokenIds.Select(t => (JsonNode)t).ToArray());
                    choices.Add(choice);
                }
                await Http.WriteJson(context, new JsonObject
                {
                    ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = name, ["choices"] = choices,
                    ["usage"] = CompletionsEndpoint.Usage(call, results.Sum(r => r.TokenIds.Count)),
                });
            }
            RequestLog.Write(id, name, call, started);
        }
    }

    private async Task StreamAsync(HttpContext context, GenerationCall call, SamplingParameters p, string name, string id, long created, int? top)
    {
        await Http.StartEventStream(context);
        JsonObject Chunk(int index, JsonObject delta, JsonNode? logprobs, string? finish, JsonNode? stopReason)
        {
            var choice = new JsonObject { ["index"] = index, ["delta"] = delta, ["logprobs"] = logprobs, ["finish_reason"] = finish };
            if (finish is not null) choice["stop_reason"] = stopReason;
            return new JsonObject { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = name, ["choices"] = new JsonArray(choice) };
        }
        var streams = call.Handles.Select(_ => new TextStream(models, p.Stop, p.SkipSpecialTokens)).ToArray();
        for (var i = 0; i < call.Handles.Count; i++)
            await Http.WriteEvent(context, Chunk(i, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null, null, null));
        var generated = 0;
        await foreach (var e in call.EventsAsync(context.RequestAborted))
        {
            if (e.Token is { } token)
            {
                generated++;
                var delta = streams[e.Choice].Push(token.TokenId);
                var lp = top is null ? null : new JsonObject { ["content"] = new JsonArray(Logprobs.ChatEntry(models, token, p.TokensAsIds)) };
                await Http.WriteEvent(context, Chunk(e.Choice, new JsonObject { ["content"] = delta }, lp, null, null));
            }
            else if (e.End is { } end)
            {
                var rest = streams[e.Choice].Finish(end);
                await Http.WriteEvent(context, Chunk(e.Choice, rest.Length > 0 ? new JsonObject { ["content"] = rest } : new JsonObject(), null,
                    CompletionsEndpoint.Finish(end), CompletionsEndpoint.StopReason(end)));
            }
        }
        if (p.IncludeUsage)
            await Http.WriteEvent(context, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = name, ["choices"] = new JsonArray(),
                ["usage"] = CompletionsEndpoint.Usage(call, generated),
            });
        await Http.WriteDone(context);
    }
}
