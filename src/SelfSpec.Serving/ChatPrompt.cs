using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Prompting;
using SelfSpec.Serving.Templates;

namespace SelfSpec.Serving;

/// <summary>A chat message: its role and text.</summary>
/// <param name="Role">system, user, assistant, …</param>
/// <param name="Content">The text (a list of text parts is joined).</param>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// Chat messages to a prompt: the tokenizer's Jinja <c>chat_template</c> for the base model when it has one; the Alpaca
/// template (what our adapters are tuned on) for adapters and for models without one.
/// </summary>
internal static class ChatPrompt
{
    /// <summary>The prompt text and whether the template already holds the special tokens (so none are added when encoding).</summary>
    public static string Render(ServedModels models, ServedAdapter? adapter, JsonNode? messagesNode, bool addGenerationPrompt) =>
        Render(models, adapter, Read(messagesNode), addGenerationPrompt, out _);

    public static string Render(ServedModels models, ServedAdapter? adapter, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, out bool templated)
    {
        var template = models.Tokenizer?.ChatTemplate;
        templated = adapter is null && !string.IsNullOrEmpty(template);
        if (!templated) return Alpaca(messages);
        try
        {
            var config = models.Tokenizer!.Config;
            return JinjaTemplate.Parse(template!).Render(new Dictionary<string, object?>
            {
                ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
                ["bos_token"] = config.BosToken ?? "",
                ["eos_token"] = config.EosToken ?? "",
                ["add_generation_prompt"] = addGenerationPrompt,
            });
        }
        catch (JinjaException e)
        {
            throw OpenAiError.BadParameter("messages", $"the model's chat template cannot be applied: {e.Message}");
        }
    }

    /// <summary>Alpaca's prompt for the last user message (the instruction); a single turn, earlier messages are not part of it.</summary>
    public static string Alpaca(IReadOnlyList<ChatMessage> messages)
    {
        var user = messages.LastOrDefault(m => m.Role == "user")
            ?? throw OpenAiError.BadParameter("messages", "the Alpaca template needs a user message (the instruction)");
        return AlpacaTemplate.Format(user.Content, null);
    }

    /// <summary>The <c>messages</c> list (400 naming what is wrong).</summary>
    public static IReadOnlyList<ChatMessage> Read(JsonNode? node)
    {
        if (node is not JsonArray array || array.Count == 0) throw OpenAiError.BadParameter("messages", "'messages' must be a non-empty list of {role, content} objects");
        if (array.Count > 1024) throw OpenAiError.BadParameter("messages", "at most 1024 messages");
        var messages = new List<ChatMessage>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject m) throw OpenAiError.BadParameter("messages", $"messages[{i}] must be an object");
            if (m["role"] is not JsonValue r || r.GetValueKind() != JsonValueKind.String)
                throw OpenAiError.BadParameter("messages", $"messages[{i}].role must be a string");
            var role = r.GetValue<string>();
            if (role is not ("system" or "user" or "assistant" or "developer" or "tool"))
                throw OpenAiError.BadParameter("messages", $"messages[{i}].role '{role}' is not one of system, user, assistant, developer, tool");
            messages.Add(new ChatMessage(role == "developer" ? "system" : role, Content(m["content"], i)));
        }
        return messages;
    }

    private static string Content(JsonNode? content, int i)
    {
        if (content is null) return "";
        if (content.GetValueKind() == JsonValueKind.String) return content.GetValue<string>();
        if (content is JsonArray parts)
        {
            var text = new System.Text.StringBuilder();
            foreach (var part in parts)
            {
                if (part is not JsonObject p || p["type"]?.GetValueKind() != JsonValueKind.String || p["type"]!.GetValue<string>() != "text"
                    || p["text"]?.GetValueKind() != JsonValueKind.String)
                    throw OpenAiError.BadParameter("messages", $"messages[{i}].content parts must be {{\"type\": \"text\", \"text\": ...}} (only text is supported)");
                text.Append(p["text"]!.GetValue<string>());
            }
            return text.ToString();
        }
        throw OpenAiError.BadParameter("messages", $"messages[{i}].content must be a string or a list of text parts");
    }
}
