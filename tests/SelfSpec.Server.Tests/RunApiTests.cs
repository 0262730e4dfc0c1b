using System.Text.Json.Nodes;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Tests;

/// <summary>Run from the designer and watch: execute, instance list, viewer, journal, badges, variables, executions, cancel.</summary>
public sealed class RunApiTests
{
    [Fact]
    public async Task Run_button_starts_the_published_version_and_the_viewer_shows_it()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        Assert.Equal(200, (await host.PostJsonAsync("/elsa/api/workflow-definitions/import", SmallWorkflows.HelloJson())).Status);
        var (status, body, response) = await host.PostJsonAsync("/elsa/api/workflow-definitions/hello/execute",
            JsonNode.Parse("""{"correlationId":null,"triggerActivityId":null,"versionOptions":null,"input":{}}""")!);
        Assert.True(status == 200, body.ToJsonString());
        var id = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        var instance = await host.WaitForEndAsync(id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);

        var list = await host.PostJsonAsync("/elsa/api/workflow-instances",
            JsonNode.Parse("""{"page":0,"pageSize":15,"searchTerm":null,"definitionIds":[],"statuses":[],"subStatuses":[],"orderBy":"Created","orderDirection":"Descending","timestampFilters":[]}""")!);
        var row = list.Body["items"]!.AsArray().Single(i => (string)i!["id"]! == id)!;
        Assert.Equal(("Finished", "Finished", "hello"), ((string)row["status"]!, (string)row["subStatus"]!, (string)row["definitionId"]!));
        foreach (var key in new[] { "definitionVersionId", "version", "name", "incidentCount", "createdAt", "updatedAt", "finishedAt" }) Assert.True(row.AsObject().ContainsKey(key), key);
        var filtered = await host.PostJsonAsync("/elsa/api/workflow-instances", JsonNode.Parse("""{"statuses":["Running"]}""")!);
        Assert.DoesNotContain(filtered.Body["items"]!.AsArray(), i => (string)i!["id"]! == id);

        var detail = await host.GetJsonAsync("/elsa/api/workflow-instances/" + id);
        Assert.Equal("Finished", (string)detail["workflowState"]!["subStatus"]!);
        Assert.Equal("hello-v1", (string)detail["workflowState"]!["definitionVersionId"]!);
        Assert.Equal("Finished", (string)(await host.GetJsonAsync($"/elsa/api/workflow-instances/{id}/execution-state"))["status"]!);

        var journal = await host.PostJsonAsync($"/elsa/api/workflow-instances/{id}/journal?skip=0&take=50", JsonNode.Parse("""{"filter":{"activityNodeIds":null,"excludedActivityTypes":[]}}""")!);
        var entries = journal.Body["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.Contains(entries, e => (string)e["eventName"]! == "Started" && (string)e["activityId"]! == "say" && (string)e["nodeId"]! == "Workflow1:flow:say");
        Assert.Contains(entries, e => (string)e["eventName"]! == "Line" && (string)e["message"]! == "hello from the designer");
        Assert.Contains(entries, e => (string)e["eventName"]! == "Completed" && (string)e["activityId"]! == "say");
        var sayStarted = entries.First(e => (string)e["eventName"]! == "Started" && (string)e["activityId"]! == "say");
        var sayCompleted = entries.First(e => (string)e["eventName"]! == "Completed" && (string)e["activityId"]! == "say");
        Assert.Equal((string)sayStarted["activityInstanceId"]!, (string)sayCompleted["activityInstanceId"]!);

        var report = await host.PostJsonAsync("/elsa/api/activity-executions/report", new JsonObject { ["workflowInstanceId"] = id, ["activityNodeIds"] = new JsonArray("Workflow1:flow:say", "Workflow1:flow:end") });
        var stats = report.Body["stats"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.Equal(2, stats.Count);
        Assert.All(stats, s => Assert.Equal((1, 1, 0, false), ((int)s["startedCount"]!, (int)s["completedCount"]!, (int)s["uncompletedCount"]!, (bool)s["isFaulted"]!)));

        var executions = await host.GetJsonAsync($"/elsa/api/activity-executions/list?WorkflowInstanceId={id}&ActivityNodeId=Workflow1:flow:say");
        Assert.Equal("Completed", (string)executions["items"]![0]!["status"]!);
        Assert.Equal("hello from the designer", (string)executions["items"]![0]!["activityState"]!["text"]!);
        // Selecting the activity in the viewer: Studio asks for the record by id alone.
        var recordId = (string)executions["items"]![0]!["id"]!;
        var record = await host.GetJsonAsync($"/elsa/api/activity-executions/by-id?id={recordId}");
        Assert.Equal((recordId, id, "Workflow1:flow:say", "Completed"),
            ((string)record["id"]!, (string)record["workflowInstanceId"]!, (string)record["activityNodeId"]!, (string)record["status"]!));
        Assert.Equal("hello from the designer", (string)record["activityState"]!["text"]!);
        Assert.Equal(record.ToJsonString(), (await host.GetJsonAsync($"/elsa/api/activity-executions/{recordId}")).ToJsonString());
        // The root flowchart, which the viewer shows when nothing is selected, has the instance's execution.
        var root = await host.GetJsonAsync($"/elsa/api/activity-execution-summaries/list?WorkflowInstanceId={id}&ActivityNodeId=Workflow1:flow");
        var rootSummary = root["items"]!.AsArray().Single()!;
        Assert.Equal(("flow", "Elsa.Flowchart", "Completed"), ((string)rootSummary["activityId"]!, (string)rootSummary["activityType"]!, (string)rootSummary["status"]!));
        Assert.Equal((string)row["finishedAt"]!, (string)rootSummary["completedAt"]!);
        var rootRecord = await host.GetJsonAsync($"/elsa/api/activity-executions/by-id?id={(string)rootSummary["id"]!}");
        Assert.Equal(("Workflow1:flow", "Completed", id), ((string)rootRecord["activityNodeId"]!, (string)rootRecord["status"]!, (string)rootRecord["workflowInstanceId"]!));
        var rootStats = (await host.PostJsonAsync("/elsa/api/activity-executions/report", new JsonObject { ["workflowInstanceId"] = id, ["activityNodeIds"] = new JsonArray("Workflow1:flow") })).Body["stats"]!.AsArray();
        Assert.Equal((1, 1), ((int)rootStats.Single()!["startedCount"]!, (int)rootStats.Single()!["completedCount"]!));
        using var missing = await host.Client.GetAsync("/elsa/api/activity-executions/by-id?id=nosuchinstance-root");
        Assert.Equal(404, (int)missing.StatusCode);
        var variables = await host.GetJsonAsync($"/elsa/api/workflow-instances/{id}/variables");
        Assert.Equal("Greeting", (string)variables["items"]![0]!["name"]!);
    }

    [Fact]
    public async Task A_faulted_run_shows_its_error_in_the_journal_and_as_an_incident()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        var json = SmallWorkflows.HelloJson("faulty");
        json["root"]!["activities"]![1] = JsonNode.Parse("""{ "id": "say", "type": "Elsa.Fault", "version": 1, "message": { "typeName": "String", "expression": { "type": "Literal", "value": "boom from Fault" } } }""");
        Assert.Equal(200, (await host.PostJsonAsync("/elsa/api/workflow-definitions/import", json)).Status);
        var (_, _, response) = await host.PostJsonAsync("/elsa/api/workflow-definitions/faulty/execute", new JsonObject());
        var id = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        Assert.Equal(WorkflowStatus.Faulted, (await host.WaitForEndAsync(id)).Status);
        var detail = await host.GetJsonAsync("/elsa/api/workflow-instances/" + id);
        Assert.Equal(("Finished", "Faulted"), ((string)detail["status"]!, (string)detail["subStatus"]!));
        Assert.NotEmpty(detail["workflowState"]!["incidents"]!.AsArray());
        var journal = await host.PostJsonAsync($"/elsa/api/workflow-instances/{id}/journal", new JsonObject());
        Assert.Contains(journal.Body["items"]!.AsArray(), e => (string)e!["eventName"]! == "Faulted" && ((string?)e["message"] ?? "").Contains("boom"));
        var report = await host.PostJsonAsync("/elsa/api/activity-executions/report", new JsonObject { ["workflowInstanceId"] = id });
        Assert.Contains(report.Body["stats"]!.AsArray(), s => (bool)s!["isFaulted"]!);
    }

    [Fact]
    public async Task Cancel_stops_a_running_instance()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        var json = SmallWorkflows.HelloJson("slow");
        json["root"]!["activities"]![1] = JsonNode.Parse("""{ "id": "say", "type": "Elsa.Delay", "version": 1, "timeSpan": { "typeName": "TimeSpan", "expression": { "type": "Literal", "value": "00:10:00" } } }""");
        Assert.Equal(200, (await host.PostJsonAsync("/elsa/api/workflow-definitions/import", json)).Status);
        var (_, _, response) = await host.PostJsonAsync("/elsa/api/workflow-definitions/slow/execute", new JsonObject());
        var id = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        var running = await host.PostJsonAsync("/elsa/api/workflow-instances", JsonNode.Parse("""{"statuses":["Running"]}""")!);
        Assert.Contains(running.Body["items"]!.AsArray(), i => (string)i!["id"]! == id);
        Assert.Equal(200, (await host.PostJsonAsync($"/elsa/api/workflow-instances/{id}/cancel", new JsonObject())).Status);
        Assert.Equal(WorkflowStatus.Cancelled, (await host.WaitForEndAsync(id, TimeSpan.FromSeconds(60))).Status);
        Assert.Equal("Cancelled", (string)(await host.GetJsonAsync($"/elsa/api/workflow-instances/{id}/execution-state"))["subStatus"]!);
    }

    [Fact]
    public async Task Runs_started_elsewhere_appear_in_the_instance_list()
    {
        await using var host = await ServerHost.StartAsync(workflows: "/nonexistent");
        var result = await host.Runtime.RunAsync(SmallWorkflows.Hello("cli-run"));
        var list = await host.PostJsonAsync("/elsa/api/workflow-instances", JsonNode.Parse("""{"definitionId":"cli-run"}""")!);
        Assert.Equal(result.InstanceId, (string)list.Body["items"]!.AsArray().Single()!["id"]!);
    }
}
