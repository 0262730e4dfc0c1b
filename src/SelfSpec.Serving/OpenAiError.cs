using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>
/// A request the server refuses, reported in OpenAI's error shape
/// <c>{"error": {"message", "type", "param", "code"}}</c> with its HTTP status.
/// </summary>
public sealed class OpenAiError : Exception
{
    /// <summary>Creates an error.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="message">What is wrong, for a person.</param>
    /// <param name="param">The request parameter at fault, if one is.</param>
    /// <param name="type">OpenAI's error type; by default derived from the status.</param>
    public OpenAiError(int status, string message, string? param = null, string? type = null) : base(message)
    {
        Status = status;
        Param = param;
        Type = type ?? status switch
        {
            401 => "authentication_error",
            404 => "NotFoundError",
            413 => "invalid_request_error",
            429 => "rate_limit_exceeded",
            503 => "service_unavailable",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        };
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The parameter at fault, or null.</summary>
    public string? Param { get; }

    /// <summary>OpenAI's error type string.</summary>
    public string Type { get; }

    /// <summary>A 400 naming <paramref name="param"/>.</summary>
    public static OpenAiError BadParameter(string param, string message) => new(400, message, param);

    /// <summary>The error's JSON body.</summary>
    public JsonObject ToJson() => Body(Status, Message, Type, Param);

    /// <summary>OpenAI's error body.</summary>
    public static JsonObject Body(int status, string message, string type, string? param) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = status,
        },
    };

    /// <summary>Writes this error as the response (status, JSON body).</summary>
    public Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = Status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(ToJson().ToJsonString());
    }
}
