using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SelfSpec.Serving;

/// <summary>
/// The OpenAI/vLLM-compatible HTTP server over <see cref="ServedModels"/>: <c>/v1/models</c>, <c>/v1/completions</c>,
/// <c>/v1/chat/completions</c>, vLLM's <c>/tokenize</c>, <c>/detokenize</c>, <c>/v1/load_lora_adapter</c>,
/// <c>/v1/unload_lora_adapter</c>, <c>/health</c> and <c>/metrics</c>. Errors are in OpenAI's shape; bad input is a 4xx,
/// never a crash.
/// </summary>
public static class OpenAiServer
{
    /// <summary>
    /// Builds the application (not started). Refuses (<see cref="InvalidOperationException"/>) to listen off loopback
    /// without an API key. <paramref name="configure"/> may adjust the builder.
    /// </summary>
    public static WebApplication Create(ServeOptions options, ServedModels models, Action<WebApplicationBuilder>? configure = null)
    {
        var apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
        BearerKeyPolicy.CheckBinding(options.Host, apiKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Url);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);
        var app = builder.Build();
        var counters = new RequestCounters();
        var stopping = false;
        app.Lifetime.ApplicationStopping.Register(() => stopping = true);

        app.Use(async (context, next) =>
        {
            try
            {
                if (stopping) throw new OpenAiError(503, "the server is shutting down");
                if (context.Request.Path.StartsWithSegments("/v1") && apiKey is not null && !BearerKeyPolicy.IsAuthorized(context.Request, apiKey))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    throw new OpenAiError(401, "Unauthorized: send the header 'Authorization: Bearer <key>'", type: "authentication_error");
                }
                if (context.Request.ContentLength > options.MaxRequestBytes)
                    throw new OpenAiError(413, $"the request body of {context.Request.ContentLength} bytes exceeds the limit of {options.MaxRequestBytes}");
                await next(context);
            }
            catch (OpenAiError e) when (!context.Response.HasStarted) { await e.WriteAsync(context); }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted) { await new OpenAiError(e.StatusCode, e.Message).WriteAsync(context); }
            catch (SelfSpec.Llm.Serving.ServingStoppedException e) when (!context.Response.HasStarted) { await new OpenAiError(503, e.Message).WriteAsync(context); }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested) { /* the client left */ }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                Console.Error.WriteLine($"internal error on {context.Request.Method} {context.Request.Path}: {e}");
                await new OpenAiError(500, $"internal error: {e.Message}", type: "server_error").WriteAsync(context);
            }
            catch (Exception e)
            {
                // A stream already started: report on stderr and end the response.
                if (!context.RequestAborted.IsCancellationRequested) Console.Error.WriteLine($"error while streaming {context.Request.Path}: {e.Message}");
            }
            finally
            {
                counters.Count(context.Request.Path, context.Response.StatusCode);
                if (context.Response.StatusCode >= 400) RequestLog.WriteRefused(context.Request.Method, context.Request.Path, context.Response.StatusCode);
            }
        });

        var completions = new CompletionsEndpoint(models, options);
        var chat = new ChatCompletionsEndpoint(models, options);
        var tokenize = new TokenizeEndpoints(models, options);
        var lora = new AdapterEndpoints(models, options);
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/ping", () => Results.Ok());
        app.MapGet("/version", () => Results.Json(new { version = typeof(OpenAiServer).Assembly.GetName().Version?.ToString() ?? "0" }));
        app.MapGet("/v1/models", (HttpContext c) => Http.WriteJson(c, ModelList(models)));
        app.MapPost("/v1/completions", completions.HandleAsync);
        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/tokenize", tokenize.TokenizeAsync);
        app.MapPost("/detokenize", tokenize.DetokenizeAsync);
        app.MapPost("/v1/load_lora_adapter", lora.LoadAsync);
        app.MapPost("/v1/unload_lora_adapter", lora.UnloadAsync);
        app.MapGet("/metrics", (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return c.Response.WriteAsync(PrometheusText.Render(models, counters));
        });
        app.MapFallback(context => (RequestCounters.IsEndpoint(context.Request.Path)
            ? new OpenAiError(405, $"Method Not Allowed: {context.Request.Method} {context.Request.Path}")
            : new OpenAiError(404, $"Not Found: {context.Request.Method} {context.Request.Path}", type: "NotFoundError")).WriteAsync(context));
        return app;
    }

    private static JsonObject ModelList(ServedModels models)
    {
        JsonObject Card(string id, string root, string? parent) => new()
        {
            ["id"] = id,
            ["object"] = "model",
            ["created"] = models.Created,
            ["owned_by"] = "selfspec",
            ["root"] = root,
            ["parent"] = parent,
            ["max_model_len"] = models.MaxModelLen,
            ["permission"] = new JsonArray(),
        };
        var data = new JsonArray(Card(models.BaseName, models.ModelDirectory, null));
        foreach (var a in models.Adapters) data.Add(Card(a.Name, a.Path, models.BaseName));
        return new JsonObject { ["object"] = "list", ["data"] = data };
    }
}
