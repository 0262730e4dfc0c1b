using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Tests;

/// <summary>Definitions through the API as Studio uses them: list, open, save (trap 4), publish, versions, revert, delete, export.</summary>
public sealed class DefinitionApiTests
{
    private const string Api = "/elsa/api/workflow-definitions";

    [Fact]
    public async Task Project_workflows_are_imported_on_first_start_and_listed_with_links()
    {
        await using var host = await ServerHost.StartAsync();
        var list = await host.GetJsonAsync(Api + "?versionOptions=Latest&Page=0&PageSize=50&OrderDirection=Ascending");
        var ids = list["items"]!.AsArray().Select(i => (string)i!["definitionId"]!).ToList();
        foreach (var file in Directory.GetFiles(ServerHost.ProjectWorkflows, "*.json"))
            Assert.Contains(WorkflowDefinitionSerializer.ReadFile(file).DefinitionId, ids);
        Assert.Equal(ids.Count, (int)list["totalCount"]!);
        Assert.Contains(list["links"]!.AsArray(), l => (string)l!["rel"]! == "bulk-publish");
        var row = list["items"]!.AsArray().Select(i => i!.AsObject()).First(i => (string)i["definitionId"]! == "self-specialization");
        foreach (var key in new[] { "id", "definitionId", "name", "description", "version", "isLatest", "isPublished", "materializerName", "isMaterializerAvailable", "createdAt", "links" })
            Assert.True(row.ContainsKey(key), key);
        var published = await host.GetJsonAsync(Api + "?versionOptions=Published&DefinitionIds=self-specialization");
        Assert.Equal("self-specialization", (string)published["items"]![0]!["definitionId"]!);
    }

    [Fact]
    public async Task A_definition_opens_editable_with_node_ids_and_nested_connections()
    {
        await using var host = await ServerHost.StartAsync();
        var d = await host.GetJsonAsync(Api + "/by-definition-id/self-specialization?versionOptions=Latest");
        Assert.Contains(d["links"]!.AsArray(), l => (string)l!["rel"]! == "publish");
        Assert.False((bool)d["isReadonly"]!);
        var file = WorkflowDefinitionSerializer.ReadFile(Path.Combine(ServerHost.ProjectWorkflows, "self-specialization.json"));
        var served = new List<JsonObject>();
        void Walk(JsonObject a, string parent)
        {
            served.Add(a);
            Assert.Equal(parent + ":" + (string)a["id"]!, (string)a["nodeId"]!);
            foreach (var c in a["activities"]?.AsArray() ?? []) Walk(c!.AsObject(), (string)a["nodeId"]!);
            foreach (var c in a["connections"]?.AsArray() ?? [])
            {
                Assert.NotNull(c!["source"]!["activity"]);
                Assert.NotNull(c["target"]!["port"]);
            }
        }
        Walk(d["root"]!.AsObject(), "Workflow1");
        Assert.Equal(file.AllActivities().Count(), served.Count);
        foreach (var key in new[] { "variables", "inputs", "outputs", "outcomes", "customProperties", "options", "toolVersion", "createdAt" })
            Assert.True(d.ContainsKey(key), key);
        var byId = await host.GetJsonAsync(Api + "/by-id/" + (string)d["id"]!);
        Assert.Equal((string)d["definitionId"]!, (string)byId["definitionId"]!);
    }

    /// <summary>What Studio posts (trap 4): <c>$schema</c> and <c>isSystem</c> gone, <c>options.*: null</c>, a new activity without inputs, an edited input.</summary>
    private static JsonObject StudioShaped(JsonObject served)
    {
        var model = (JsonObject)served.DeepClone();
        model.Remove("$schema");
        model.Remove("isSystem");
        model.Remove("links");
        model["options"] = new JsonObject { ["activationStrategyType"] = null, ["usableAsActivity"] = null, ["autoUpdateConsumingWorkflows"] = null, ["incidentStrategyType"] = null };
        foreach (var v in model["variables"]!.AsArray()) v!["value"] = null;
        return model;
    }

    [Fact]
    public async Task A_studio_shaped_save_round_trips_and_runs()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        Assert.Equal(200, (await host.PostJsonAsync(Api + "/import", SmallWorkflows.HelloJson())).Status);
        var served = await host.GetJsonAsync(Api + "/by-definition-id/hello?versionOptions=Latest");
        var model = StudioShaped(served);
        var root = model["root"]!.AsObject();
        // A new activity dragged from the toolbox and connected; the WriteLine's text edited.
        root["activities"]!.AsArray().Add(JsonNode.Parse("""{ "id": "added", "nodeId": "Workflow1:flow:added", "name": "WriteLine2", "type": "Elsa.WriteLine", "version": 1, "metadata": { "designer": { "position": { "x": 400, "y": 200 } } } }"""));
        var connections = root["connections"]!.AsArray();
        connections.RemoveAt(1);
        connections.Add(JsonNode.Parse("""{ "source": { "activity": "say", "port": "Done" }, "target": { "activity": "added", "port": "In" }, "vertices": [] }"""));
        connections.Add(JsonNode.Parse("""{ "source": { "activity": "added", "port": "Done" }, "target": { "activity": "end", "port": "In" }, "vertices": [] }"""));
        var say = root["activities"]!.AsArray().Single(a => (string)a!["id"]! == "say")!;
        say["text"] = JsonNode.Parse("""{ "typeName": "String", "expression": { "type": "Literal", "value": "edited in Studio" }, "memoryReference": null }""");

        var (status, body, _) = await host.PostJsonAsync(Api, new JsonObject { ["model"] = model, ["publish"] = false });
        Assert.True(status == 200, body.ToJsonString());
        Assert.Empty(body["validationErrors"]!.AsArray());
        var saved = body["workflowDefinition"]!.AsObject();
        Assert.Equal(2, (int)saved["version"]!); // the published version 1 stays; the save is a new draft
        Assert.False((bool)saved["isPublished"]!);
        Assert.Contains(saved["links"]!.AsArray(), l => (string)l!["rel"]! == "publish");

        var stored = WorkflowDefinitionSerializer.Read(host.Store.FindDefinition("hello")!.Json);
        Assert.Equal(4, stored.Root.Activities!.Count);
        Assert.Equal("edited in Studio", stored.Root.Activities.Single(a => a.Id == "say").GetInput("text")!.Expression.ValueText);
        Assert.Equal("hi", stored.FindVariable("Greeting")!.Value); // Studio posts value: null; the stored default is kept
        Assert.DoesNotContain("activationStrategyType", host.Store.FindDefinition("hello")!.Json);

        // The saved draft runs with the runtime, as `selfspec run` runs it.
        var result = await host.Runtime.RunAsync(stored);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        var lines = host.Store.GetLog(result.InstanceId).Where(l => l.EventName == "Line").Select(l => l.Message).ToList();
        Assert.Equal(["edited in Studio"], lines.Take(1));
        Assert.Equal(2, host.Store.GetRecords(result.InstanceId).Count(r => r.ActivityType == "Elsa.WriteLine"));

        // Re-opening gives the same definition back (round trip).
        var reopened = await host.GetJsonAsync(Api + "/by-definition-id/hello?versionOptions=Latest");
        Assert.Equal(4, reopened["root"]!["activities"]!.AsArray().Count);
    }

    [Fact]
    public async Task Saving_an_unchanged_definition_stores_the_same_bytes_and_export_writes_them()
    {
        await using var host = await ServerHost.StartAsync();
        var before = host.Store.FindDefinition("self-specialization")!;
        // Imported as `selfspec workflows export` writes it (our serializer's form of the file).
        Assert.Equal(WorkflowDefinitionSerializer.Write(WorkflowDefinitionSerializer.ReadFile(Path.Combine(ServerHost.ProjectWorkflows, "self-specialization.json"))), before.Json);

        // Retract so that the save replaces the draft in place, then save what Studio would post.
        Assert.Equal(200, (await host.PostJsonAsync(Api + "/self-specialization/retract", new JsonObject())).Status);
        var served = await host.GetJsonAsync(Api + "/by-definition-id/self-specialization?versionOptions=Latest");
        var (status, body, _) = await host.PostJsonAsync(Api, new JsonObject { ["model"] = StudioShaped(served), ["publish"] = true });
        Assert.True(status == 200, body.ToJsonString());
        var after = host.Store.FindDefinition("self-specialization")!;
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Json, after.Json);

        using var export = await host.Client.GetAsync(Api + "/self-specialization/export");
        Assert.Equal(before.Json, await export.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Publish_versions_revert_retract_and_delete()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        Assert.Equal(200, (await host.PostJsonAsync(Api + "/import", SmallWorkflows.HelloJson())).Status);
        async Task SaveText(string text, bool publish)
        {
            var model = StudioShaped(await host.GetJsonAsync(Api + "/by-definition-id/hello?versionOptions=Latest"));
            model["root"]!["activities"]![1]!["text"]!["expression"]!["value"] = text;
            var (status, body, _) = await host.PostJsonAsync(Api, new JsonObject { ["model"] = model, ["publish"] = publish });
            Assert.True(status == 200, body.ToJsonString());
        }
        await SaveText("two", publish: false);   // v2 draft (v1 published)
        await SaveText("two again", publish: false); // still v2: a draft is replaced
        Assert.Equal([2, 1], host.Store.ListDefinitionVersions("hello").Select(v => v.Version));
        var publish = await host.PostJsonAsync(Api + "/hello/publish", new JsonObject());
        Assert.Equal(200, publish.Status);
        Assert.Equal(2, (int)publish.Body["workflowDefinition"]!["version"]!);
        Assert.Equal([true, false], host.Store.ListDefinitionVersions("hello").Select(v => v.IsPublished));
        await SaveText("three", publish: false); // v3

        foreach (var v in new[] { 1, 2, 3 })
        {
            var d = await host.GetJsonAsync($"{Api}/by-definition-id/hello?versionOptions={v}");
            Assert.Equal(v, (int)d["version"]!);
        }
        var versions = await host.GetJsonAsync(Api + "/hello/versions");
        Assert.Equal(3, (int)versions["count"]!);
        var all = await host.GetJsonAsync(Api + "?versionOptions=All&DefinitionIds=hello");
        Assert.Equal(3, (int)all["totalCount"]!);

        // Revert to v1: v3 (a draft) now holds v1's text.
        Assert.Equal(200, (await host.PostJsonAsync(Api + "/hello/revert/1", new JsonObject())).Status);
        var latest = WorkflowDefinitionSerializer.Read(host.Store.FindDefinition("hello")!.Json);
        Assert.Equal(3, latest.Version);
        Assert.Equal("hello from the designer", latest.Root.Activities![1].GetInput("text")!.Expression.ValueText);

        Assert.Equal(200, (await host.PostJsonAsync(Api + "/hello/retract", new JsonObject())).Status);
        Assert.DoesNotContain(host.Store.ListDefinitionVersions("hello"), v => v.IsPublished);
        Assert.Equal(400, (await host.PostJsonAsync(Api + "/hello/retract", new JsonObject())).Status);

        var v3 = host.Store.FindDefinition("hello")!.Id;
        Assert.Equal(204, (int)(await host.Client.DeleteAsync("/elsa/api/workflow-definition-versions/" + v3)).StatusCode);
        Assert.Equal(2, host.Store.FindDefinition("hello")!.Version);
        Assert.True(host.Store.FindDefinition("hello")!.IsLatest);
        Assert.Equal(204, (int)(await host.Client.DeleteAsync(Api + "/hello")).StatusCode);
        Assert.Empty(host.Store.ListDefinitionVersions("hello"));
        Assert.Equal(404, (int)(await host.Client.GetAsync(Api + "/by-definition-id/hello")).StatusCode);
    }

    [Fact]
    public async Task Rename_checks_uniqueness()
    {
        await using var host = await ServerHost.StartAsync();
        Assert.False((bool)(await host.GetJsonAsync(Api + "/validation/is-name-unique?name=Evaluate%20a%20model&definitionId=self-specialization"))["isUnique"]!);
        Assert.True((bool)(await host.GetJsonAsync(Api + "/validation/is-name-unique?name=Evaluate%20a%20model&definitionId=evaluate"))["isUnique"]!);
        Assert.True((bool)(await host.GetJsonAsync(Api + "/validation/is-name-unique?name=Brand%20new"))["isUnique"]!);
        var before = host.StoreSnapshot();
        var model = StudioShaped(await host.GetJsonAsync(Api + "/by-definition-id/self-specialization"));
        model["name"] = "Evaluate a model";
        var (status, body, _) = await host.PostJsonAsync(Api, new JsonObject { ["model"] = model, ["publish"] = false });
        Assert.Equal(409, status);
        Assert.Contains("already named", (string)body["error"]!);
        Assert.Equal(before, host.StoreSnapshot());
    }

    [Fact]
    public async Task A_save_that_drops_a_known_input_is_refused_and_nothing_is_stored()
    {
        await using var host = await ServerHost.StartAsync();
        var before = host.StoreSnapshot();
        var model = StudioShaped(await host.GetJsonAsync(Api + "/by-definition-id/self-specialization"));
        var generate = FindActivity(model["root"]!.AsObject(), "SelfSpec.GenerateInstructions")!;
        var dropped = generate.Select(p => p.Key).First(k => generate[k] is JsonObject o && o["expression"] is not null);
        generate.Remove(dropped);
        var (status, body, _) = await host.PostJsonAsync(Api, new JsonObject { ["model"] = model, ["publish"] = false });
        Assert.Equal(400, status);
        Assert.Contains($"input '{dropped}'", (string)body["error"]!);
        Assert.Equal(before, host.StoreSnapshot());
    }

    [Fact]
    public async Task Validation_errors_reach_the_designer_and_block_publishing()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        Assert.Equal(200, (await host.PostJsonAsync(Api + "/import", SmallWorkflows.HelloJson())).Status);
        var model = StudioShaped(await host.GetJsonAsync(Api + "/by-definition-id/hello"));
        model["root"]!["activities"]!.AsArray().Add(JsonNode.Parse("""{ "id": "lonely", "type": "Elsa.SetOutput", "version": 1, "metadata": {} }"""));
        var draft = await host.PostJsonAsync(Api, new JsonObject { ["model"] = model, ["publish"] = false });
        Assert.Equal(200, draft.Status);
        var messages = draft.Body["validationErrors"]!.AsArray().Select(e => (string)e!["message"]!).ToList();
        Assert.Contains(messages, m => m.Contains("lonely") && m.Contains("unreachable"));
        Assert.Contains(messages, m => m.Contains("lonely") && m.Contains("outputName"));
        var snapshot = host.StoreSnapshot();
        var publish = await host.PostJsonAsync(Api + "/hello/publish", new JsonObject());
        Assert.Equal(400, publish.Status);
        Assert.NotEmpty(publish.Body["validationErrors"]!.AsArray());
        Assert.Equal(snapshot, host.StoreSnapshot());
    }

    internal static JsonObject? FindActivity(JsonObject activity, string type)
    {
        if ((string?)activity["type"] == type) return activity;
        foreach (var child in activity["activities"]?.AsArray() ?? [])
            if (FindActivity(child!.AsObject(), type) is { } found) return found;
        return null;
    }
}
