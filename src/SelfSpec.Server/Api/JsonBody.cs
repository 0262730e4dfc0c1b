using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Server.Api;

/// <summary>Reads request bodies as JSON objects with a size limit; every failure is an <see cref="ApiException"/> (4xx).</summary>
internal static class JsonBody
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = true };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    /// <summary>The body as a JSON object; an empty body is an empty object.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes)
            throw new ApiException(413, $"request body of {request.ContentLength} bytes exceeds the limit of {maxBytes}");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw new ApiException(413, $"request body exceeds the limit of {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return new JsonObject();
        try
        {
            return JsonNode.Parse(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), NodeOptions, DocumentOptions) as JsonObject
                ?? throw ApiException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"malformed JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine}: {e.Message}");
        }
    }

    /// <summary>A string property, or null when absent or JSON null; a non-string is a 400 naming the field.</summary>
    public static string? String(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw ApiException.BadRequest($"'{key}' must be a string"),
    };

    /// <summary>A boolean property (false when absent or null); a non-boolean is a 400.</summary>
    public static bool Bool(JsonObject o, string key) => o[key] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw ApiException.BadRequest($"'{key}' must be true or false"),
    };

    /// <summary>An int property, or null when absent; a non-integer is a 400.</summary>
    public static int? Int(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, out var j) => j,
        _ => throw ApiException.BadRequest($"'{key}' must be an integer"),
    };

    /// <summary>A string-array property (a single string counts as one item).</summary>
    public static IReadOnlyList<string> Strings(JsonObject o, string key) => o[key] switch
    {
        null => [],
        JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw ApiException.BadRequest($"'{key}' must hold strings")).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => throw ApiException.BadRequest($"'{key}' must be an array of strings"),
    };
}
