using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Server.Security;

namespace SelfSpec.Server.Tests;

/// <summary>Loopback by default, the API key everywhere else, and malformed requests answered with 4xx without changing the store.</summary>
public sealed class SecurityTests
{
    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://192.168.1.20:5000")]
    [InlineData("http://127.0.0.1:5000;http://[::]:5001")]
    public async Task A_non_loopback_address_without_a_key_refuses_to_start(string urls)
    {
        using var home = new SelfSpec.TestSupport.TempDir("selfspec-server-");
        using var store = SelfSpec.Workflows.Persistence.WorkflowStore.Open(Path.Combine(home.FullPath, "w.db"));
        var runtime = new SelfSpec.Workflows.Execution.WorkflowRuntime(store, ServerHost.Registry());
        var e = Assert.Throws<InvalidOperationException>(() => DesignerServer.Create(new ServerOptions { Urls = urls }, runtime));
        Assert.Contains("API key", e.Message);
        await using var withKey = DesignerServer.Create(new ServerOptions { Urls = urls, ApiKey = "k" }, runtime);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://10.0.0.1:5000", false)]
    public void Loopback_is_recognised(string url, bool loopback) => Assert.Equal(loopback, ApiKeyPolicy.IsLoopback(url));

    [Fact]
    public async Task Without_the_right_key_every_api_call_gets_401()
    {
        await using var host = await ServerHost.StartAsync(apiKey: "s3cret-key");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/elsa/api/workflow-definitions")).StatusCode);
        using var anonymous = CreateClient(host, null);
        foreach (var header in new string?[] { null, "ApiKey wrong", "Bearer s3cret-key", "ApiKey s3cret-key-longer", "ApiKey " })
        {
            using var client = CreateClient(host, header);
            foreach (var path in new[] { "/elsa/api/workflow-definitions", "/elsa/api/descriptors/activities", "/elsa/api/workflow-definitions/by-definition-id/evaluate" })
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path)).StatusCode);
            var post = await client.PostAsync("/elsa/api/workflow-definitions/evaluate/execute", new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }
        Assert.Empty(host.Store.ListInstances());
        // The host page carries no key: it asks for it and hands it to Studio's api-key attribute.
        var page = await anonymous.GetStringAsync("/");
        Assert.DoesNotContain("s3cret-key", page);
        Assert.Contains("api-key", page);
    }

    private static HttpClient CreateClient(ServerHost host, string? authorization)
    {
        var client = Microsoft.AspNetCore.TestHost.HostBuilderTestServerExtensions.GetTestClient(host.App);
        if (authorization is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return client;
    }

    public static IEnumerable<object[]> MalformedRequests()
    {
        const string defs = "/elsa/api/workflow-definitions";
        var huge = "{\"model\":{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}}";
        var deep = new string('[', 5000) + new string(']', 5000);
        (string, string, string?)[] cases =
        [
            ("POST", defs, "{not json"),
            ("POST", defs, "[]"),
            ("POST", defs, "\"just a string\""),
            ("POST", defs, "{}"),
            ("POST", defs, "{\"model\": 42}"),
            ("POST", defs, "{\"model\": {\"definitionId\": \"../../etc/passwd\", \"root\": {\"id\": \"r\", \"type\": \"Elsa.Flowchart\"}}}"),
            ("POST", defs, "{\"model\": {\"definitionId\": \"ok\", \"name\": \"no root\"}}"),
            ("POST", defs, "{\"model\": {\"definitionId\": \"ok2\", \"root\": {\"type\": \"Elsa.Flowchart\"}}}"),
            ("POST", defs, "{\"model\": {\"definitionId\": \"ok3\", \"root\": {\"id\": \"r\", \"type\": \"Elsa.Flowchart\", \"connections\": [{\"source\": {}}]}}}"),
            ("POST", defs, "{\"model\": {\"definitionId\": \"evaluate\", \"root\": 5}}"),
            ("POST", defs, "{\"model\": {}, \"publish\": \"yes\"}"),
            ("POST", defs, huge),
            ("POST", defs, deep),
            ("POST", defs, "{\"model\": {\"definitionId\": 12}}"),
            ("GET", defs + "/by-definition-id/..%2F..%2Fetc%2Fpasswd", null),
            ("GET", defs + "/by-definition-id/evaluate?versionOptions=99", null),
            ("GET", defs + "/by-definition-id/evaluate?versionOptions=-1", null),
            ("GET", defs + "/by-definition-id/evaluate?versionOptions=Sometimes", null),
            ("GET", defs + "/by-definition-id/no-such-definition", null),
            ("GET", defs + "/by-id/no-such-version", null),
            ("GET", defs + "/by-id/a%20b", null),
            ("GET", defs + "?versionOptions=Bogus", null),
            ("GET", defs + "?Page=-3", null),
            ("GET", defs + "/validation/is-name-unique", null),
            ("POST", defs + "/no-such/publish", "{}"),
            ("POST", defs + "/evaluate/publish", "{oops"),
            ("POST", defs + "/evaluate/revert/0", "{}"),
            ("POST", defs + "/evaluate/revert/abc", "{}"),
            ("POST", defs + "/evaluate/revert/77", "{}"),
            ("DELETE", defs + "/no-such-definition", null),
            ("DELETE", "/elsa/api/workflow-definition-versions/nope", null),
            ("POST", defs + "/no-such/execute", "{}"),
            ("POST", defs + "/evaluate/execute", "{\"input\": [1,2]}"),
            ("POST", defs + "/evaluate/execute", "{\"versionOptions\": \"7\"}"),
            ("POST", defs + "/import", "{\"model\": {\"id\": \"x/../y\", \"definitionId\": \"x\", \"root\": {\"id\": \"r\", \"type\": \"Elsa.Flowchart\"}}}"),
            ("POST", defs + "/import", "{broken"),
            ("GET", "/elsa/api/workflow-instances/..%2F..%2F.selfspec%2Fworkflows.db", null),
            ("GET", "/elsa/api/workflow-instances/does-not-exist", null),
            ("POST", "/elsa/api/workflow-instances", "{\"page\": -1}"),
            ("POST", "/elsa/api/workflow-instances", "{\"statuses\": 5}"),
            ("POST", "/elsa/api/workflow-instances/nope/journal", "{}"),
            ("POST", "/elsa/api/activity-executions/report", "{}"),
            ("POST", "/elsa/api/activity-executions/report", "{\"workflowInstanceId\": \"../x\"}"),
            ("GET", "/elsa/api/activity-executions/list?WorkflowInstanceId=", null),
            ("GET", "/elsa/api/activity-executions/by-id", null),
            ("GET", "/elsa/api/activity-executions/by-id?id=..%2Fx", null),
            ("GET", "/elsa/api/activity-executions/by-id?id=no-such-record", null),
            ("POST", "/elsa/api/workflow-instances/nope/cancel", "{}"),
            ("POST", "/elsa/api/scripting/javascript/type-definitions/nope", "{}"),
            ("GET", "/designer/..%2F..%2Fetc", null),
            ("GET", "/_framework/..%2F..%2F..%2Fetc%2Fpasswd", null),
            ("GET", "/elsa/api/no/such/endpoint", null),
        ];
        return cases.Select(c => new object[] { c.Item1, c.Item2, c.Item3 is null ? "" : c.Item3 });
    }

    [Fact]
    public async Task Malformed_requests_get_4xx_with_a_message_and_change_nothing()
    {
        await using var host = await ServerHost.StartAsync();
        var before = host.StoreSnapshot();
        var cases = MalformedRequests().ToList();
        Assert.True(cases.Count >= 30);
        foreach (var c in cases)
        {
            var (method, path, body) = ((string)c[0], (string)c[1], (string)c[2]);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method != "GET" && method != "DELETE") request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await host.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"{method} {path} → {status}: {text}");
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
                Assert.False(string.IsNullOrWhiteSpace((string?)JsonNode.Parse(text)?["error"]), $"{method} {path}: no message in {text}");
            Assert.Equal(before, host.StoreSnapshot());
        }
        Assert.Empty(host.Store.ListInstances());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/elsa/api/workflow-definitions")).StatusCode);
    }
}
