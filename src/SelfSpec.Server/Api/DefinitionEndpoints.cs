using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SelfSpec.Server.Designer;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions.JavaScript;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Api;

/// <summary>The definition, descriptor and scripting endpoints of the Elsa 3 API that Studio's editor and list call.</summary>
internal static class DefinitionEndpoints
{
    public static void Map(RouteGroupBuilder api, DefinitionCatalog catalog, DesignerRuns runs, ElsaActivityDescriptors descriptors, long maxBytes)
    {
        static IResult Json(JsonNode node, int status = 200) => Results.Text(node.ToJsonString(), "application/json; charset=utf-8", Encoding.UTF8, status);
        static JsonObject Empty() => ElsaJson.List([]);

        // Descriptors and features.
        api.MapGet("/descriptors/activities", () => Results.Text(descriptors.ListJson(catalog.Store), "application/json; charset=utf-8", Encoding.UTF8));
        api.MapGet("/descriptors/expression-descriptors", () => Json(ElsaJson.List(ExpressionDescriptors())));
        api.MapGet("/descriptors/variables", () => Json(ElsaJson.List(VariableTypes())));
        foreach (var path in new[] { "/descriptors/workflow-activation-strategies", "/descriptors/incident-strategies", "/descriptors/log-persistence-strategies",
                     "/descriptors/commit-strategies/workflows", "/descriptors/commit-strategies/activities", "/descriptors/storage-drivers",
                     "/descriptors/resilience-strategies", "/features/installed", "/descriptors/activities/{type}/options/{property}" })
            api.MapGet(path, () => Json(Empty()));
        api.MapPost("/descriptors/activities/{type}/options/{property}", () => Json(Empty()));
        api.MapGet("/package/version", () => Json(new JsonObject { ["packageVersion"] = ElsaJson.ToolVersion }));

        api.MapPost("/scripting/javascript/type-definitions/{definitionId}", async (HttpRequest request, string definitionId) =>
        {
            await JsonBody.ReadObjectAsync(request, maxBytes);
            var record = catalog.Find(definitionId, VersionOptions.Latest);
            return Results.Text(JavaScriptTypeDefinitions.For(WorkflowDefinitionSerializer.Read(record.Json)), "application/x-typescript; charset=utf-8");
        });

        // Definitions.
        api.MapGet("/workflow-definitions", (HttpRequest request) => Json(List(catalog, request.Query)));
        api.MapGet("/workflow-definitions/by-definition-id/{definitionId}", (string definitionId, HttpRequest request) =>
            Json(ElsaJson.Definition(catalog.Find(definitionId, VersionOptions.Parse(request.Query["versionOptions"])))));
        api.MapGet("/workflow-definitions/by-id/{id}", (string id) => Json(ElsaJson.Definition(catalog.FindVersion(id))));
        api.MapGet("/workflow-definitions/{definitionId}/versions", (string definitionId) =>
            Json(ElsaJson.List(catalog.Versions(definitionId).Select(v => (JsonNode?)ElsaJson.Summary(v)))));
        api.MapGet("/workflow-definitions/validation/is-name-unique", (HttpRequest request) =>
        {
            var name = request.Query["name"].ToString();
            if (name.Length == 0) throw ApiException.BadRequest("query parameter 'name' is missing");
            var definitionId = request.Query["definitionId"].ToString();
            return Json(new JsonObject { ["isUnique"] = catalog.IsNameUnique(name, definitionId.Length == 0 ? null : definitionId) });
        });
        api.MapPost("/workflow-definitions", async (HttpRequest request) =>
        {
            var body = await JsonBody.ReadObjectAsync(request, maxBytes);
            var model = body["model"] as JsonObject ?? throw ApiException.BadRequest("the body must be {\"model\": {...definition...}, \"publish\": false|true}");
            var outcome = catalog.Save(model, JsonBody.Bool(body, "publish"));
            return Json(ElsaJson.SaveResponse(outcome));
        });
        api.MapPost("/workflow-definitions/{definitionId}/publish", async (HttpRequest request, string definitionId) =>
        {
            await JsonBody.ReadObjectAsync(request, maxBytes);
            return Json(ElsaJson.SaveResponse(catalog.Publish(definitionId)));
        });
        api.MapPost("/workflow-definitions/{definitionId}/retract", async (HttpRequest request, string definitionId) =>
        {
            await JsonBody.ReadObjectAsync(request, maxBytes);
            return Json(ElsaJson.SaveResponse(catalog.Retract(definitionId)));
        });
        api.MapDelete("/workflow-definitions/{definitionId}", (string definitionId) => { catalog.Delete(definitionId); return Results.NoContent(); });
        api.MapDelete("/workflow-definition-versions/{id}", (string id) =>
        {
            var version = catalog.FindVersion(id);
            catalog.Delete(version.DefinitionId, version.Version);
            return Results.NoContent();
        });
        api.MapPost("/workflow-definitions/{definitionId}/revert/{version}", (string definitionId, string version) =>
            Json(ElsaJson.SaveResponse(catalog.Revert(definitionId, ParseVersion(version)))));
        api.MapGet("/workflow-definitions/{definitionId}/export", (string definitionId, HttpRequest request) =>
        {
            var record = catalog.Find(definitionId, VersionOptions.Parse(request.Query["versionOptions"]));
            var definition = WorkflowDefinitionSerializer.Read(record.Json);
            return Results.File(Encoding.UTF8.GetBytes(WorkflowDefinitionSerializer.Write(definition)), "application/json", WorkflowDefinitionSerializer.ExportFileName(definition));
        });
        api.MapPost("/workflow-definitions/import", async (HttpRequest request) =>
        {
            var body = await JsonBody.ReadObjectAsync(request, maxBytes);
            var model = body["model"] as JsonObject ?? body;
            WorkflowDefinition definition;
            try { definition = WorkflowDefinitionSerializer.Read(model.ToJsonString()); }
            catch (WorkflowDefinitionException e) { throw ApiException.BadRequest("the definition cannot be read: " + e.Message); }
            return Json(ElsaJson.Definition(catalog.Import(definition)));
        });

        // Bulk actions from the list.
        api.MapPost("/bulk-actions/publish/workflow-definitions/by-definition-ids", async (HttpRequest request) =>
            Json(Bulk(await JsonBody.ReadObjectAsync(request, maxBytes), "definitionIds", id => catalog.Publish(id), "published")));
        api.MapPost("/bulk-actions/retract/workflow-definitions/by-definition-ids", async (HttpRequest request) =>
            Json(Bulk(await JsonBody.ReadObjectAsync(request, maxBytes), "definitionIds", id => catalog.Retract(id), "retracted")));
        api.MapPost("/bulk-actions/delete/workflow-definitions/by-definition-id", async (HttpRequest request) =>
        {
            var ids = JsonBody.Strings(await JsonBody.ReadObjectAsync(request, maxBytes), "definitionIds");
            return Json(new JsonObject { ["deleted"] = ids.Sum(id => catalog.Delete(id)) });
        });

        // Run.
        api.MapPost("/workflow-definitions/{definitionId}/execute", async (HttpRequest request, HttpResponse response, string definitionId) =>
        {
            var body = await JsonBody.ReadObjectAsync(request, maxBytes);
            var versionText = body["versionOptions"] is JsonValue v ? v.ToString() : null;
            var input = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (body["input"] is JsonObject given) foreach (var (k, value) in given) input[k] = value?.DeepClone();
            else if (body["input"] is not null) throw ApiException.BadRequest("'input' must be a JSON object");
            var id = await runs.StartAsync(definitionId, string.IsNullOrEmpty(versionText) ? null : VersionOptions.Parse(versionText), input);
            response.Headers["x-elsa-workflow-instance-id"] = id;
            return Json(new JsonObject { ["workflowInstanceId"] = id, ["workflowState"] = new JsonObject { ["id"] = id, ["status"] = "Running", ["subStatus"] = "Executing" } });
        });
    }

    private static int ParseVersion(string text) =>
        int.TryParse(text, out var v) && v >= 1 ? v : throw ApiException.BadRequest($"version '{text}' must be a whole number of 1 or more");

    private static JsonObject Bulk(JsonObject body, string key, Func<string, SaveOutcome> action, string verb)
    {
        var done = new JsonArray();
        var failed = new JsonArray();
        foreach (var id in JsonBody.Strings(body, key))
        {
            try { action(id); done.Add(id); }
            catch (ApiException e) { failed.Add(new JsonObject { ["definitionId"] = id, ["error"] = e.Message }); }
        }
        return new JsonObject { [verb] = done, ["notFound"] = new JsonArray(), ["failed"] = failed };
    }

    private static JsonObject List(DefinitionCatalog catalog, IQueryCollection query)
    {
        var options = VersionOptions.Parse(query["versionOptions"]);
        var page = ParseInt(query, "Page", 0);
        var pageSize = Math.Clamp(ParseInt(query, "PageSize", 50), 1, 1000);
        var search = query["SearchTerm"].ToString();
        var ids = query["DefinitionIds"].SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        IEnumerable<WorkflowDefinitionRecord> rows = catalog.Store.ListAllDefinitionVersions().Where(options.Matches);
        if (ids.Count > 0) rows = rows.Where(r => ids.Contains(r.DefinitionId));
        if (search.Length > 0) rows = rows.Where(r => r.Name.Contains(search, StringComparison.OrdinalIgnoreCase) || r.DefinitionId.Contains(search, StringComparison.OrdinalIgnoreCase));
        var descending = string.Equals(query["OrderDirection"], "Descending", StringComparison.OrdinalIgnoreCase);
        var ordered = (query["OrderBy"].ToString() switch
        {
            "Created" or "CreatedAt" => descending ? rows.OrderByDescending(r => r.CreatedAt) : rows.OrderBy(r => r.CreatedAt),
            _ => descending ? rows.OrderByDescending(r => r.Name, StringComparer.OrdinalIgnoreCase) : rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase),
        }).ThenBy(r => r.Version).ToList();
        return ElsaJson.Paged(ordered.Skip(page * pageSize).Take(pageSize).Select(r => (JsonNode?)ElsaJson.Summary(r)), ordered.Count, ElsaJson.ListLinks());
    }

    internal static int ParseInt(IQueryCollection query, string key, int fallback)
    {
        var text = query[key].ToString();
        if (text.Length == 0) return fallback;
        return int.TryParse(text, out var v) && v >= 0 ? v : throw ApiException.BadRequest($"query parameter '{key}' must be a whole number ≥ 0, got '{text}'");
    }

    /// <summary>Only the syntaxes our runtime evaluates.</summary>
    private static IEnumerable<JsonNode?> ExpressionDescriptors()
    {
        JsonObject D(string type, string display, bool browsable, string? monaco) => new()
        {
            ["type"] = type, ["displayName"] = display, ["isSerializable"] = true, ["isBrowsable"] = browsable,
            ["properties"] = monaco is null ? new JsonObject() : new JsonObject { ["MonacoLanguage"] = monaco },
        };
        yield return D("Literal", "Literal", true, null);
        yield return D("Object", "Object", true, "json");
        yield return D("JavaScript", "JavaScript", true, "javascript");
        yield return D("CSharp", "C#", true, "csharp");
        yield return D("Variable", "Variable", false, null);
        yield return D("Input", "Input", false, null);
    }

    private static IEnumerable<JsonNode?> VariableTypes()
    {
        foreach (var (type, category, description) in new[]
                 {
                     ("String", "Primitives", "Text"), ("Boolean", "Primitives", "True or false"), ("Int32", "Primitives", "A 32-bit integer"),
                     ("Int64", "Primitives", "A 64-bit integer"), ("Double", "Primitives", "A floating-point number"), ("Decimal", "Primitives", "A decimal number"),
                     ("Object", "Primitives", "Any value (artifacts, lists, records)"), ("JSON", "Data", "A JSON value"),
                     ("DateTime", "Primitives", "A date and time"), ("TimeSpan", "Primitives", "A duration"), ("Guid", "Primitives", "A GUID"),
                 })
            yield return new JsonObject { ["typeName"] = type, ["displayName"] = type, ["category"] = category, ["description"] = description };
    }
}
