using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SelfSpec.Server.Api;
using SelfSpec.Server.Designer;
using SelfSpec.Server.Security;
using SelfSpec.Server.Studio;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;

namespace SelfSpec.Server;

/// <summary>
/// The designer server: Elsa Studio's host pages and files, and the Elsa 3 REST API subset Studio calls under
/// <c>/elsa/api</c>, over a <see cref="WorkflowRuntime"/> (its store holds definitions and instances; runs started here
/// use the runtime exactly as <c>selfspec run</c> does).
/// </summary>
public static class DesignerServer
{
    /// <summary>The API's base path.</summary>
    public const string ApiBase = "/elsa/api";

    /// <summary>
    /// Builds the application. Refuses (<see cref="InvalidOperationException"/>) to listen on a non-loopback address without
    /// an API key. Imports <see cref="ServerOptions.WorkflowsDirectory"/>'s new definitions. <paramref name="configure"/>
    /// may adjust the builder (tests use an in-process server).
    /// </summary>
    public static WebApplication Create(ServerOptions options, WorkflowRuntime runtime, Action<WebApplicationBuilder>? configure = null)
    {
        var apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
        ApiKeyPolicy.CheckBinding(options.Urls, apiKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);

        var catalog = new DefinitionCatalog(runtime.Store, runtime.Registry);
        if (options.WorkflowsDirectory is { } folder && Directory.Exists(folder)) catalog.ImportNew(folder);
        var runs = new DesignerRuns(runtime, catalog);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(runs);
        var app = builder.Build();
        app.Lifetime.ApplicationStopping.Register(() => runs.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30)));

        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > options.MaxRequestBytes)
            {
                await WriteError(context, 413, $"request body of {context.Request.ContentLength} bytes exceeds the limit of {options.MaxRequestBytes}");
                return;
            }
            if (context.Request.Path.StartsWithSegments(ApiBase) && apiKey is not null && !ApiKeyPolicy.IsAuthorized(context.Request, apiKey))
            {
                context.Response.Headers.WWWAuthenticate = "ApiKey";
                await WriteError(context, 401, "missing or wrong API key: send the header 'Authorization: ApiKey <key>'");
                return;
            }
            try { await next(context); }
            catch (ApiException e) when (!context.Response.HasStarted) { await WriteError(context, e.StatusCode, e.Message, e.Body); }
            catch (Exception e) when (!context.Response.HasStarted && e is WorkflowDefinitionException or WorkflowExecutionException or FormatException or InvalidOperationException)
            { await WriteError(context, e is WorkflowInstanceLockedException ? 409 : 400, e.Message); }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted) { await WriteError(context, e.StatusCode, e.Message); }
        });

        var studio = StudioPackage.Locate(options.StudioDirectory);
        MapPages(app, studio, apiKey is not null);
        DefinitionEndpoints.Map(app.MapGroup(ApiBase), catalog, runs, new ElsaActivityDescriptors(runtime.Registry), options.MaxRequestBytes);
        InstanceEndpoints.Map(app.MapGroup(ApiBase), runtime, runs, options.MaxRequestBytes);
        app.MapFallback(context => WriteError(context, 404, $"no such resource: {context.Request.Method} {context.Request.Path}"));
        return app;
    }

    private static void MapPages(WebApplication app, StudioPackage? studio, bool needsKey)
    {
        static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");
        app.MapGet("/", () => Html(HostPages.Render("Workflow definitions", "elsa-workflow-definition-list", new Dictionary<string, string>(), studio, needsKey)));
        app.MapGet("/designer/{definitionId}", (string definitionId) => Html(HostPages.Render("Designer", "elsa-workflow-definition-editor",
            new Dictionary<string, string> { ["definition-id"] = DefinitionCatalog.CheckId(definitionId, "definition id") }, studio, needsKey)));
        app.MapGet("/instances", () => Html(HostPages.Render("Workflow instances", "elsa-workflow-instance-list", new Dictionary<string, string>(), studio, needsKey)));
        app.MapGet("/instances/{instanceId}", (string instanceId) => Html(HostPages.Render("Workflow instance", "elsa-workflow-instance-viewer",
            new Dictionary<string, string> { ["instance-id"] = DefinitionCatalog.CheckId(instanceId, "instance id") }, studio, needsKey)));
        if (studio is null) return;
        var files = new StudioFiles(studio);
        app.MapGet("/_framework/{**path}", (HttpContext c, string path) => files.Serve(c, "_framework/" + path));
        app.MapGet("/_content/{**path}", (HttpContext c, string path) => files.Serve(c, "_content/" + path));
        app.MapGet("/Elsa.Studio.Host.CustomElements.styles.css", (HttpContext c) => files.Serve(c, "Elsa.Studio.Host.CustomElements.styles.css"));
        app.MapGet("/appsettings.json", (HttpContext c) => files.Serve(c, "appsettings.json"));
    }

    internal static Task WriteError(HttpContext context, int status, string message, JsonObject? body = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var json = body ?? new JsonObject();
        json["error"] ??= message;
        json["status"] = status;
        return context.Response.WriteAsync(json.ToJsonString());
    }
}
