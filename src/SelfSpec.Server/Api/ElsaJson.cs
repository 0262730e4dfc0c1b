using System.Text.Json.Nodes;
using SelfSpec.Server.Designer;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;

namespace SelfSpec.Server.Api;

/// <summary>The JSON shapes of the Elsa 3 REST API that Studio reads (camelCase, enums as strings).</summary>
internal static class ElsaJson
{
    /// <summary>The tool version written into definitions that lack one.</summary>
    public const string ToolVersion = "3.8.2";

    /// <summary><c>{items, count}</c>.</summary>
    public static JsonObject List(IEnumerable<JsonNode?> items)
    {
        var array = new JsonArray(items.ToArray());
        return new JsonObject { ["items"] = array, ["count"] = array.Count };
    }

    /// <summary><c>{items, count}</c> around an array built for it.</summary>
    public static JsonObject List(JsonArray items) => new() { ["items"] = items, ["count"] = items.Count };

    /// <summary><c>{items, totalCount, links}</c>; <paramref name="links"/> may carry rels such as <c>bulk-publish</c>.</summary>
    public static JsonObject Paged(IEnumerable<JsonNode?> items, int totalCount, JsonArray? links = null) => new()
    {
        ["items"] = new JsonArray(items.ToArray()),
        ["totalCount"] = totalCount,
        ["links"] = links ?? [],
    };

    /// <summary>A link: <c>{href, rel, method}</c>.</summary>
    public static JsonObject Link(string rel, string href, string method) => new() { ["href"] = href, ["rel"] = rel, ["method"] = method };

    /// <summary>
    /// The links that make a definition editable in Studio (trap 1: without <c>publish</c> it opens read-only).
    /// </summary>
    public static JsonArray DefinitionLinks(WorkflowDefinitionRecord r)
    {
        var baseHref = $"/elsa/api/workflow-definitions/{r.DefinitionId}";
        return
        [
            Link("self", $"/elsa/api/workflow-definitions/by-id/{r.Id}", "GET"),
            Link("publish", baseHref + "/publish", "POST"),
            Link("retract", baseHref + "/retract", "POST"),
            Link("execute", baseHref + "/execute", "POST"),
            Link("delete", baseHref, "DELETE"),
            Link("export", baseHref + "/export", "GET"),
        ];
    }

    /// <summary>The list's links (trap 1: without <c>bulk-publish</c> the list is read-only).</summary>
    public static JsonArray ListLinks() =>
    [
        Link("bulk-publish", "/elsa/api/bulk-actions/publish/workflow-definitions/by-definition-ids", "POST"),
        Link("bulk-retract", "/elsa/api/bulk-actions/retract/workflow-definitions/by-definition-ids", "POST"),
        Link("bulk-delete", "/elsa/api/bulk-actions/delete/workflow-definitions/by-definition-id", "POST"),
        Link("import", "/elsa/api/workflow-definitions/import", "POST"),
    ];

    /// <summary>
    /// A stored version as Studio opens it: the stored JSON (our serializer's output: nested connections, nodeIds) with the
    /// collections Studio expects filled in and the version's real flags and links.
    /// </summary>
    public static JsonObject Definition(WorkflowDefinitionRecord r)
    {
        var o = JsonNode.Parse(r.Json) as JsonObject ?? new JsonObject();
        o.Remove("$schema");
        o["createdAt"] ??= r.CreatedAt.ToString("O");
        o["toolVersion"] ??= ToolVersion;
        o["outputs"] ??= new JsonArray();
        o["outcomes"] ??= new JsonArray();
        o["customProperties"] ??= new JsonObject();
        o["options"] ??= new JsonObject();
        o["isReadonly"] = false;
        o["isSystem"] = false;
        o["isLatest"] = r.IsLatest;
        o["isPublished"] = r.IsPublished;
        o["version"] = r.Version;
        o["links"] = DefinitionLinks(r);
        return o;
    }

    /// <summary>A definition list row.</summary>
    public static JsonObject Summary(WorkflowDefinitionRecord r)
    {
        var json = JsonNode.Parse(r.Json) as JsonObject;
        return new JsonObject
        {
            ["id"] = r.Id,
            ["definitionId"] = r.DefinitionId,
            ["name"] = r.Name,
            ["description"] = json?["description"]?.DeepClone(),
            ["version"] = r.Version,
            ["toolVersion"] = json?["toolVersion"]?.DeepClone() ?? ToolVersion,
            ["isLatest"] = r.IsLatest,
            ["isPublished"] = r.IsPublished,
            ["isReadonly"] = false,
            ["isSystem"] = false,
            ["materializerName"] = "Json",
            ["isMaterializerAvailable"] = true,
            ["createdAt"] = r.CreatedAt.ToString("O"),
            ["links"] = DefinitionLinks(r),
        };
    }

    /// <summary>Studio's save/publish response.</summary>
    public static JsonObject SaveResponse(SaveOutcome outcome) => new()
    {
        ["workflowDefinition"] = Definition(outcome.Record),
        ["alreadyPublished"] = outcome.AlreadyPublished,
        ["consumingWorkflowCount"] = 0,
        ["validationErrors"] = ValidationErrors(outcome.Problems.Where(p => p.Severity == ProblemSeverity.Error)),
    };

    /// <summary>Validation problems as Elsa's <c>[{message, activityId}]</c>.</summary>
    public static JsonArray ValidationErrors(IEnumerable<ValidationProblem> problems) =>
        new(problems.Select(p => (JsonNode?)new JsonObject { ["message"] = p.ToString(), ["activityId"] = p.ActivityId, ["field"] = p.Field }).ToArray());
}
