using System.Text.Json.Nodes;

namespace SelfSpec.Server.Api;

/// <summary>A request the API refuses: the status code and a message for the caller; nothing was stored.</summary>
public sealed class ApiException(int statusCode, string message, JsonObject? body = null) : Exception(message)
{
    /// <summary>The HTTP status code (4xx).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>An optional response body replacing the default <c>{"error": message}</c>.</summary>
    public JsonObject? Body { get; } = body;

    /// <summary>400 with <paramref name="message"/>.</summary>
    public static ApiException BadRequest(string message) => new(400, message);

    /// <summary>404 with <paramref name="message"/>.</summary>
    public static ApiException NotFound(string message) => new(404, message);
}
