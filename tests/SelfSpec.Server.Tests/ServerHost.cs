using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SelfSpec.Pipeline;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Tests;

/// <summary>
/// A designer server over a fresh home (SQLite store, runs folder) whose registry holds the built-ins and the pipeline's
/// activities, with the project's workflows/ imported on start. In process (TestServer) or on a real loopback port.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly TempDir _home;

    private ServerHost(TempDir home, WorkflowStore store, WorkflowRuntime runtime, WebApplication app, HttpClient client, string baseUrl)
    {
        _home = home; Store = store; Runtime = runtime; App = app; Client = client; BaseUrl = baseUrl;
    }

    public WorkflowStore Store { get; }
    public WorkflowRuntime Runtime { get; }
    public WebApplication App { get; }
    public HttpClient Client { get; }
    public string BaseUrl { get; }
    public string Home => _home.FullPath;

    public static ActivityRegistry Registry() => ActivityRegistry.FromAssemblies(typeof(PipelineException).Assembly);

    public static string ProjectWorkflows => Path.Combine(Paths.RepoRoot, "workflows");

    /// <summary>Starts a server; <paramref name="realPort"/> listens on a free loopback port (for the browser).</summary>
    public static async Task<ServerHost> StartAsync(string? apiKey = null, bool realPort = false, string? workflows = null)
    {
        var home = new TempDir("selfspec-server-");
        var store = WorkflowStore.Open(Path.Combine(home.FullPath, ".selfspec", "workflows.db"));
        var runtime = new WorkflowRuntime(store, Registry(), new WorkflowRuntimeOptions { RunsDirectory = Path.Combine(home.FullPath, "runs") });
        var options = new ServerOptions
        {
            Urls = realPort ? "http://127.0.0.1:0" : ServerOptions.DefaultUrls,
            ApiKey = apiKey,
            WorkflowsDirectory = workflows ?? ProjectWorkflows,
            MaxRequestBytes = 1024 * 1024,
        };
        var app = DesignerServer.Create(options, runtime, realPort ? null : b => b.WebHost.UseTestServer());
        await app.StartAsync();
        HttpClient client;
        string baseUrl;
        if (realPort)
        {
            baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        }
        else
        {
            client = app.GetTestClient();
            baseUrl = client.BaseAddress!.ToString().TrimEnd('/');
        }
        if (apiKey is not null) client.DefaultRequestHeaders.Add("Authorization", "ApiKey " + apiKey);
        return new ServerHost(home, store, runtime, app, client, baseUrl);
    }

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} → {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<(int Status, JsonObject Body, HttpResponseMessage Response)> PostJsonAsync(string path, JsonNode body)
    {
        var response = await Client.PostAsync(path, new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) as JsonObject ?? new JsonObject { ["text"] = text }, response);
    }

    /// <summary>Every stored definition version's JSON, to prove a refused request changed nothing.</summary>
    public string StoreSnapshot() =>
        string.Join("\n", Store.ListAllDefinitionVersions().Select(r => $"{r.Id} {r.DefinitionId} v{r.Version} p={r.IsPublished} l={r.IsLatest} {r.Name}\n{r.Json}"));

    /// <summary>Polls until the instance is no longer running (condition wait, not a timed assertion).</summary>
    public async Task<WorkflowInstanceRecord> WaitForEndAsync(string instanceId, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var i = Store.FindInstance(instanceId);
            if (i is not null && i.Status != WorkflowStatus.Running) return i;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} still running");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Store.Dispose();
        _home.Dispose();
    }
}

/// <summary>Small definitions the runtime can run without models.</summary>
internal static class SmallWorkflows
{
    /// <summary>Start → WriteLine(text) → End, as Elsa JSON.</summary>
    public static JsonObject HelloJson(string definitionId = "hello", string text = "hello from the designer") => JsonNode.Parse($$"""
        {
          "id": "{{definitionId}}-v1", "definitionId": "{{definitionId}}", "name": "Hello {{definitionId}}", "version": 1, "isPublished": true,
          "variables": [ { "id": "v-greeting", "name": "Greeting", "typeName": "String", "isArray": false, "value": "hi" } ],
          "inputs": [],
          "root": {
            "id": "flow", "type": "Elsa.Flowchart", "version": 1,
            "activities": [
              { "id": "start", "type": "Elsa.Start", "version": 1, "name": "Start1", "customProperties": { "canStartWorkflow": true }, "metadata": { "designer": { "position": { "x": 0, "y": 0 } } } },
              { "id": "say", "type": "Elsa.WriteLine", "version": 1, "name": "WriteLine1", "text": { "typeName": "String", "expression": { "type": "Literal", "value": "{{text}}" } }, "metadata": { "designer": { "position": { "x": 260, "y": 0 } } } },
              { "id": "end", "type": "Elsa.End", "version": 1, "name": "End1", "metadata": { "designer": { "position": { "x": 520, "y": 0 } } } }
            ],
            "connections": [
              { "source": { "activity": "start", "port": "Done" }, "target": { "activity": "say", "port": "In" } },
              { "source": { "activity": "say", "port": "Done" }, "target": { "activity": "end", "port": "In" } }
            ]
          }
        }
        """)!.AsObject();

    public static WorkflowDefinition Hello(string definitionId = "hello") => WorkflowDefinitionSerializer.Read(HelloJson(definitionId).ToJsonString());
}
