using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;

namespace SelfSpec.Serving.Tests;

/// <summary>The server in this process on a real loopback port (Kestrel, port 0), with an HttpClient for it.</summary>
internal sealed class ServingHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServingHost(ServedModels models, WebApplication app, string baseUrl, string? apiKey)
    {
        Models = models;
        this.app = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(3) };
        if (apiKey is not null) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public ServedModels Models { get; }

    /// <summary>http://127.0.0.1:PORT</summary>
    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public static async Task<ServingHost> StartAsync(ServeOptions options)
    {
        options = options with { Port = 0 };
        var models = ServedModels.Load(options);
        var app = OpenAiServer.Create(options, models);
        await app.StartAsync();
        return new ServingHost(models, app, app.Urls.First(), options.ApiKey);
    }

    /// <summary>POSTs JSON and returns the status and parsed body (null when not JSON).</summary>
    public async Task<(int Status, JsonNode? Body, string Text)> PostAsync(string path, string json)
    {
        using var response = await Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try { body = JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { }
        return ((int)response.StatusCode, body, text);
    }

    public async Task<JsonNode> PostOkAsync(string path, string json)
    {
        var (status, body, text) = await PostAsync(path, json);
        Assert.True(status == 200, $"{path} answered {status}: {text}");
        return body!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Models.Dispose();
    }
}
