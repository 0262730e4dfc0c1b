using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SelfSpec.Server.Designer;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Api;

/// <summary>The instance endpoints Studio's instance list and viewer call: list, detail, journal, badges, variables, executions, cancel.</summary>
internal static class InstanceEndpoints
{
    private const int MaxListed = 10_000;

    public static void Map(RouteGroupBuilder api, WorkflowRuntime runtime, DesignerRuns runs, long maxBytes)
    {
        static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json; charset=utf-8", Encoding.UTF8);
        var store = runtime.Store;

        WorkflowInstanceRecord Find(string id) =>
            store.FindInstance(DefinitionCatalog.CheckId(id, "instance id")) is { } i && i.Id == id ? i : throw ApiException.NotFound($"no workflow instance '{id}'");
        bool Executing(WorkflowInstanceRecord i) => i.Status == WorkflowStatus.Running && runtime.IsExecuting(i.Id);
        WorkflowDefinition DefinitionOf(WorkflowInstanceRecord i) => WorkflowDefinitionSerializer.Read(store.GetInstanceDefinition(i.Id));
        // The activities' records after the root's (which the runtime does not store; InstanceJson.RootExecution).
        IReadOnlyList<ActivityExecutionRecord> RecordsOf(WorkflowInstanceRecord i, WorkflowDefinition definition) =>
            [InstanceJson.RootExecution(i, definition), .. store.GetRecords(i.Id)];

        async Task<IResult> List(HttpRequest request)
        {
            var body = request.Method == HttpMethods.Post ? await JsonBody.ReadObjectAsync(request, maxBytes) : QueryAsJson(request.Query);
            var page = JsonBody.Int(body, "page") ?? 0;
            var pageSize = JsonBody.Int(body, "pageSize") ?? 50;
            if (page < 0 || pageSize < 1) throw ApiException.BadRequest("page must be ≥ 0 and pageSize ≥ 1");
            pageSize = Math.Min(pageSize, 1000);
            var definitionIds = JsonBody.Strings(body, "definitionIds").Concat(JsonBody.String(body, "definitionId") is { Length: > 0 } d ? [d] : []).ToHashSet(StringComparer.Ordinal);
            var statuses = JsonBody.Strings(body, "statuses").ToHashSet(StringComparer.OrdinalIgnoreCase);
            var subStatuses = JsonBody.Strings(body, "subStatuses").ToHashSet(StringComparer.OrdinalIgnoreCase);
            var search = JsonBody.String(body, "searchTerm") ?? "";
            var rows = new List<JsonObject>();
            foreach (var i in store.ListInstances(MaxListed))
            {
                if (definitionIds.Count > 0 && !definitionIds.Contains(i.DefinitionId)) continue;
                if (search.Length > 0 && !i.Name.Contains(search, StringComparison.OrdinalIgnoreCase) && !i.Id.Contains(search, StringComparison.OrdinalIgnoreCase)) continue;
                var (status, sub) = InstanceJson.Status(i, Executing(i));
                if (statuses.Count > 0 && !statuses.Contains(status)) continue;
                if (subStatuses.Count > 0 && !subStatuses.Contains(sub)) continue;
                rows.Add(InstanceJson.Summary(i, status == "Running" && sub == "Executing"));
            }
            return Json(ElsaJson.Paged(rows.Skip(page * pageSize).Take(pageSize), rows.Count));
        }

        api.MapPost("/workflow-instances", List);
        api.MapGet("/workflow-instances", List);
        api.MapGet("/workflow-instances/{id}", (string id) =>
        {
            var i = Find(id);
            return Json(InstanceJson.Detail(i, Executing(i), store.GetRecords(i.Id), InstanceJson.NodeIds(DefinitionOf(i))));
        });
        api.MapGet("/workflow-instances/{id}/execution-state", (string id) =>
        {
            var i = Find(id);
            var (status, sub) = InstanceJson.Status(i, Executing(i));
            return Json(new JsonObject { ["id"] = i.Id, ["status"] = status, ["subStatus"] = sub, ["workflowSubStatus"] = sub, ["updatedAt"] = i.UpdatedAt.ToString("O") });
        });
        api.MapPost("/workflow-instances/{id}/journal", async (HttpRequest request, string id) =>
        {
            var i = Find(id);
            var body = await JsonBody.ReadObjectAsync(request, maxBytes);
            var skip = DefinitionEndpoints.ParseInt(request.Query, "skip", 0);
            var take = Math.Min(DefinitionEndpoints.ParseInt(request.Query, "take", 1000), 10_000);
            var filter = body["filter"] as JsonObject ?? new JsonObject();
            var nodeIds = JsonBody.Strings(filter, "activityNodeIds").ToHashSet(StringComparer.Ordinal);
            var excluded = JsonBody.Strings(filter, "excludedActivityTypes").ToHashSet(StringComparer.Ordinal);
            var entries = InstanceJson.Journal(i, DefinitionOf(i), store.GetLog(i.Id), runs.Progress(i.Id))
                .Where(e => (nodeIds.Count == 0 || nodeIds.Contains((string)e["nodeId"]!)) && !excluded.Contains((string)e["activityType"]!)).ToList();
            return Json(ElsaJson.Paged(entries.Skip(skip).Take(take), entries.Count));
        });
        api.MapGet("/workflow-instances/{id}/variables", (string id) =>
        {
            var i = Find(id);
            var definition = DefinitionOf(i);
            var values = JsonNode.Parse(i.VariablesJson) as JsonObject ?? new JsonObject();
            var items = definition.Variables.Select(v => (JsonNode?)new JsonObject
            {
                ["id"] = v.Id, ["name"] = v.Name, ["typeName"] = v.TypeName,
                ["value"] = (values[v.Name] ?? values[v.Id])?.DeepClone(),
            });
            return Json(ElsaJson.List(items));
        });
        IResult Executions(HttpRequest request, bool summary)
        {
            var id = request.Query["WorkflowInstanceId"].ToString();
            var i = Find(id);
            var definition = DefinitionOf(i);
            var nodeIds = InstanceJson.NodeIds(definition);
            var node = request.Query["ActivityNodeId"].ToString();
            var records = RecordsOf(i, definition).Where(r => node.Length == 0 || nodeIds.GetValueOrDefault(r.ActivityId, r.ActivityNodeId) == node);
            return Json(ElsaJson.List(records.Select(r => (JsonNode?)InstanceJson.Execution(r, nodeIds, summary))));
        }
        api.MapGet("/activity-executions/list", (HttpRequest request) => Executions(request, summary: false));
        api.MapGet("/activity-execution-summaries/list", (HttpRequest request) => Executions(request, summary: true));
        // Selecting an executed activity in the viewer asks for its record by id alone (`by-id?id=`); Elsa also serves it
        // as /activity-executions/{id}.
        IResult Execution(string recordId)
        {
            DefinitionCatalog.CheckId(recordId, "activity execution id");
            if (InstanceJson.InstanceOfRootExecution(recordId) is { } rootOf && store.FindInstance(rootOf) is { } owner && owner.Id == rootOf)
            {
                var definition = DefinitionOf(owner);
                return Json(InstanceJson.Execution(InstanceJson.RootExecution(owner, definition), InstanceJson.NodeIds(definition), summary: false));
            }
            var record = store.FindRecord(recordId) ?? throw ApiException.NotFound($"no activity execution '{recordId}'");
            return Json(InstanceJson.Execution(record, InstanceJson.NodeIds(DefinitionOf(Find(record.WorkflowInstanceId))), summary: false));
        }
        api.MapGet("/activity-executions/by-id", (HttpRequest request) =>
            Execution(request.Query["id"].ToString() is { Length: > 0 } id ? id : throw ApiException.BadRequest("query parameter 'id' is missing")));
        api.MapGet("/activity-executions/{recordId}", (string recordId) => Execution(recordId));
        api.MapPost("/activity-executions/report", async (HttpRequest request) =>
        {
            var body = await JsonBody.ReadObjectAsync(request, maxBytes);
            var i = Find(JsonBody.String(body, "workflowInstanceId") ?? throw ApiException.BadRequest("'workflowInstanceId' is missing"));
            var definition = DefinitionOf(i);
            return Json(InstanceJson.Report(RecordsOf(i, definition), InstanceJson.NodeIds(definition), JsonBody.Strings(body, "activityNodeIds").ToHashSet(StringComparer.Ordinal)));
        });

        IResult Cancel(string id) => Json(new JsonObject { ["id"] = Find(id).Id, ["status"] = runs.Cancel(id).ToString() });
        api.MapPost("/workflow-instances/{id}/cancel", (string id) => Cancel(id));
        api.MapPost("/cancel/workflow-instances/{id}", (string id) => Cancel(id));
        api.MapPost("/bulk-actions/cancel/workflow-instances/by-id", async (HttpRequest request) =>
        {
            var ids = JsonBody.Strings(await JsonBody.ReadObjectAsync(request, maxBytes), "ids");
            foreach (var id in ids) Find(id);
            foreach (var id in ids) runs.Cancel(id);
            return Json(new JsonObject { ["cancelledCount"] = ids.Count });
        });
    }

    private static JsonObject QueryAsJson(IQueryCollection query)
    {
        var o = new JsonObject();
        foreach (var (key, values) in query)
        {
            var name = char.ToLowerInvariant(key[0]) + key[1..];
            o[name] = values.Count == 1 && name is not ("statuses" or "subStatuses" or "definitionIds") ? values[0] : new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
        }
        return o;
    }
}
