using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>Writing JSON replies and server-sent events.</summary>
internal static class Http
{
    public static Task WriteJson(HttpContext context, JsonNode json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json.ToJsonString(), context.RequestAborted);
    }

    public static async Task StartEventStream(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted);
    }

    public static async Task WriteEvent(HttpContext context, JsonNode json)
    {
        await context.Response.WriteAsync("data: " + json.ToJsonString() + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteDone(HttpContext context)
    {
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
