using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>
/// A request's JSON object with typed accessors that refuse a value of the wrong type or range with a 400 naming the
/// parameter (<see cref="OpenAiError"/>), and a check for parameters the server does not know.
/// </summary>
internal sealed class RequestBody
{
    private readonly JsonObject json;

    private RequestBody(JsonObject json) => this.json = json;

    /// <summary>The raw object.</summary>
    public JsonObject Json => json;

    /// <summary>Reads and parses the body: malformed JSON or a non-object is a 400, a body over the limit a 413.</summary>
    public static async Task<RequestBody> ReadAsync(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes) throw TooLarge(context.Request.ContentLength.Value, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(buffer.Length + read, maxBytes);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new OpenAiError(400, "the request body is empty; send a JSON object");
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            throw new OpenAiError(400, "the request body is not valid UTF-8");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length).Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new OpenAiError(400, $"the request body is not valid JSON: {e.Message}");
        }
        return node is JsonObject o ? new RequestBody(o) : throw new OpenAiError(400, $"the request body must be a JSON object, not {Kind(node)}");
    }

    private static OpenAiError TooLarge(long size, long max) => new(413, $"the request body ({size}+ bytes) exceeds the limit of {max} bytes");

    /// <summary>Whether <paramref name="name"/> is present and not null.</summary>
    public bool Has(string name) => json[name] is not null;

    /// <summary>The node of <paramref name="name"/>, or null.</summary>
    public JsonNode? Node(string name) => json[name];

    /// <summary>400 for any parameter not in <paramref name="known"/> (as OpenAI does).</summary>
    public void RejectUnknown(IReadOnlySet<string> known)
    {
        foreach (var (name, _) in json)
            if (!known.Contains(name)) throw OpenAiError.BadParameter(name, $"Unrecognized request argument supplied: {name}");
    }

    /// <summary>A string parameter, or null when absent.</summary>
    public string? String(string name)
    {
        var n = json[name];
        if (n is null) return null;
        if (n.GetValueKind() != JsonValueKind.String) throw OpenAiError.BadParameter(name, $"'{name}' must be a string, not {Kind(n)}");
        return n.GetValue<string>();
    }

    /// <summary>A boolean parameter, or null when absent.</summary>
    public bool? Bool(string name)
    {
        var n = json[name];
        if (n is null) return null;
        return n.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw OpenAiError.BadParameter(name, $"'{name}' must be a boolean, not {Kind(n)}"),
        };
    }

    /// <summary>An integer parameter in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public long? Integer(string name, long min, long max) => Integer(json[name], name, min, max);

    /// <summary>An integer in range (a JSON number without a fraction).</summary>
    public static long? Integer(JsonNode? n, string name, long min, long max)
    {
        if (n is null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<long>(out var v))
        {
            if (n.GetValueKind() == JsonValueKind.Number && n.AsValue().TryGetValue<double>(out var d) && d == Math.Floor(d))
                throw OpenAiError.BadParameter(name, $"'{name}' must be between {min} and {max}, got {d}");
            throw OpenAiError.BadParameter(name, $"'{name}' must be an integer, not {Kind(n)}");
        }
        if (v < min || v > max) throw OpenAiError.BadParameter(name, $"'{name}' must be between {min} and {max}, got {v}");
        return v;
    }

    /// <summary>A number parameter, or null when absent; <paramref name="check"/> says what is wrong with a value, or null.</summary>
    public double? Number(string name, Func<double, string?> check)
    {
        var n = json[name];
        if (n is null) return null;
        if (n.GetValueKind() != JsonValueKind.Number || !n.AsValue().TryGetValue<double>(out var v) || !double.IsFinite(v))
            throw OpenAiError.BadParameter(name, $"'{name}' must be a number, not {Kind(n)}");
        if (check(v) is { } problem) throw OpenAiError.BadParameter(name, $"'{name}' {problem}, got {v}");
        return v;
    }

    /// <summary>A string or a list of strings (<c>stop</c>), or empty when absent.</summary>
    public IReadOnlyList<string> StringOrList(string name, int maxItems)
    {
        var n = json[name];
        if (n is null) return [];
        if (n.GetValueKind() == JsonValueKind.String) return [n.GetValue<string>()];
        if (n is not JsonArray a || a.Any(x => x is null || x.GetValueKind() != JsonValueKind.String))
            throw OpenAiError.BadParameter(name, $"'{name}' must be a string or a list of strings");
        if (a.Count > maxItems) throw OpenAiError.BadParameter(name, $"'{name}' may hold at most {maxItems} entries, got {a.Count}");
        return a.Select(x => x!.GetValue<string>()).ToArray();
    }

    /// <summary>A list of integers in [<paramref name="min"/>, <paramref name="max"/>], or empty when absent.</summary>
    public IReadOnlyList<int> IntList(string name, int min, int max)
    {
        var n = json[name];
        if (n is null) return [];
        if (n is not JsonArray a) throw OpenAiError.BadParameter(name, $"'{name}' must be a list of integers");
        return a.Select(x => (int)Integer(x, name, min, max)!.Value).ToArray();
    }

    /// <summary>How a JSON value is described in messages.</summary>
    public static string Kind(JsonNode? n) => n is null ? "null" : n.GetValueKind() switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
