using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Api;

/// <summary>Our instance, activity and log records in the shapes of Elsa's instance API (list, viewer, journal, badges).</summary>
internal static class InstanceJson
{
    /// <summary>Elsa's (status, subStatus) for ours; an instance left Running by a dead process reads as Suspended (resumable).</summary>
    public static (string Status, string SubStatus) Status(WorkflowInstanceRecord i, bool executing) => i.Status switch
    {
        WorkflowStatus.Running => executing ? ("Running", "Executing") : ("Running", "Suspended"),
        WorkflowStatus.Suspended => ("Running", "Suspended"),
        WorkflowStatus.Finished => ("Finished", "Finished"),
        WorkflowStatus.Faulted => ("Finished", "Faulted"),
        _ => ("Finished", "Cancelled"),
    };

    /// <summary>An instance list row.</summary>
    public static JsonObject Summary(WorkflowInstanceRecord i, bool executing)
    {
        var (status, sub) = Status(i, executing);
        return new JsonObject
        {
            ["id"] = i.Id,
            ["definitionId"] = i.DefinitionId,
            ["definitionVersionId"] = i.DefinitionVersionId,
            ["version"] = i.Version,
            ["name"] = i.Name,
            ["status"] = status,
            ["subStatus"] = sub,
            ["correlationId"] = null,
            ["incidentCount"] = i.Status == WorkflowStatus.Faulted ? 1 : 0,
            ["createdAt"] = i.CreatedAt.ToString("O"),
            ["updatedAt"] = i.UpdatedAt.ToString("O"),
            ["finishedAt"] = i.FinishedAt?.ToString("O"),
        };
    }

    /// <summary>The viewer's instance: the summary plus <c>workflowState</c> (incidents, input, output, variables).</summary>
    public static JsonObject Detail(WorkflowInstanceRecord i, bool executing, IReadOnlyList<ActivityExecutionRecord> records, Dictionary<string, string> nodeIds)
    {
        var o = Summary(i, executing);
        var (status, sub) = Status(i, executing);
        var incidents = new JsonArray();
        foreach (var r in records.Where(r => r.Status == ActivityStatus.Faulted))
            incidents.Add(new JsonObject
            {
                ["activityId"] = r.ActivityId,
                ["activityNodeId"] = nodeIds.GetValueOrDefault(r.ActivityId, r.ActivityNodeId),
                ["activityType"] = r.ActivityType,
                ["message"] = r.Error,
                ["exception"] = new JsonObject { ["type"] = "Exception", ["message"] = r.Error, ["stackTrace"] = r.ErrorDetail },
                ["timestamp"] = (r.CompletedAt ?? r.StartedAt).ToString("O"),
            });
        if (incidents.Count == 0 && i.Status == WorkflowStatus.Faulted && i.Error is not null)
            incidents.Add(new JsonObject { ["activityId"] = null, ["message"] = i.Error, ["timestamp"] = i.UpdatedAt.ToString("O") });
        o["workflowState"] = new JsonObject
        {
            ["id"] = i.Id,
            ["definitionId"] = i.DefinitionId,
            ["definitionVersion"] = i.Version,
            ["definitionVersionId"] = i.DefinitionVersionId,
            ["status"] = status,
            ["subStatus"] = sub,
            ["bookmarks"] = new JsonArray(),
            ["incidents"] = incidents,
            ["activityExecutionContexts"] = new JsonArray(),
            ["completionCallbacks"] = new JsonArray(),
            ["input"] = Parse(i.InputJson),
            ["output"] = Parse(i.OutputJson),
            ["properties"] = new JsonObject { ["runDirectory"] = i.RunDirectory, ["sourceFile"] = i.SourceFile, ["error"] = i.Error, ["variables"] = Parse(i.VariablesJson) },
            ["createdAt"] = i.CreatedAt.ToString("O"),
            ["updatedAt"] = i.UpdatedAt.ToString("O"),
            ["finishedAt"] = i.FinishedAt?.ToString("O"),
        };
        return o;
    }

    /// <summary>Activity id → node id of the definition the instance ran.</summary>
    public static Dictionary<string, string> NodeIds(WorkflowDefinition definition) =>
        definition.AllActivities().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.First().NodeId, StringComparer.Ordinal);

    /// <summary>
    /// The journal: the execution log with each entry tied to its activity execution (<c>activityInstanceId</c>) and node;
    /// workflow-level entries belong to the root. Live progress messages of running activities follow as <c>Progress</c> entries.
    /// </summary>
    public static List<JsonObject> Journal(WorkflowInstanceRecord i, WorkflowDefinition definition, IReadOnlyList<WorkflowExecutionLogRecord> log,
        IReadOnlyDictionary<string, string> progress)
    {
        var nodeIds = NodeIds(definition);
        var versions = definition.AllActivities().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.First().Version);
        var occurrence = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<JsonObject>();
        foreach (var e in log)
        {
            var activityId = e.ActivityId ?? definition.Root.Id;
            if (e.EventName is "Started" or "Reused" or "Replayed") occurrence[activityId] = occurrence.GetValueOrDefault(activityId) + 1;
            else occurrence.TryAdd(activityId, 1);
            entries.Add(Entry(i.Id, e.Id.ToString(), $"{i.Id}:{activityId}:{occurrence[activityId]}", activityId, e.ActivityType ?? definition.Root.Type,
                versions.GetValueOrDefault(activityId, 1), e.ActivityName ?? definition.Name, nodeIds.GetValueOrDefault(activityId, activityId),
                e.Timestamp, e.Sequence, e.EventName, e.Message));
        }
        var next = log.Count == 0 ? 1 : log[^1].Sequence + 1;
        foreach (var (activityId, message) in progress)
        {
            var node = definition.AllActivities().FirstOrDefault(a => a.Id == activityId);
            entries.Add(Entry(i.Id, "progress-" + activityId, $"{i.Id}:{activityId}:{occurrence.GetValueOrDefault(activityId, 1)}", activityId,
                node?.Type ?? "", node?.Version ?? 1, node?.DisplayName ?? activityId, nodeIds.GetValueOrDefault(activityId, activityId),
                DateTimeOffset.UtcNow, next++, "Progress", message));
        }
        return entries;
    }

    private static JsonObject Entry(string instanceId, string id, string activityInstanceId, string activityId, string type, int typeVersion, string name,
        string nodeId, DateTimeOffset timestamp, long sequence, string eventName, string? message) => new()
    {
        ["id"] = id,
        ["workflowInstanceId"] = instanceId,
        ["activityInstanceId"] = activityInstanceId,
        ["parentActivityInstanceId"] = null,
        ["activityId"] = activityId,
        ["activityType"] = type,
        ["activityTypeVersion"] = typeVersion,
        ["activityName"] = name,
        ["nodeId"] = nodeId,
        ["timestamp"] = timestamp.ToString("O"),
        ["sequence"] = sequence,
        ["eventName"] = eventName,
        ["message"] = message,
        ["source"] = null,
        ["activityState"] = null,
        ["payload"] = null,
    };

    /// <summary>The id of <see cref="RootExecution"/>'s record for instance <paramref name="instanceId"/>.</summary>
    public static string RootExecutionId(string instanceId) => instanceId + "-root";

    /// <summary>The instance id of a <see cref="RootExecutionId"/>, or null for any other record id.</summary>
    public static string? InstanceOfRootExecution(string recordId) => recordId.EndsWith("-root", StringComparison.Ordinal) ? recordId[..^5] : null;

    /// <summary>
    /// The execution of the workflow's root activity (its flowchart), which Elsa records like any other activity and the
    /// instance viewer shows when nothing is selected: the runtime does not store one, so it is the instance's own
    /// status and times.
    /// </summary>
    public static ActivityExecutionRecord RootExecution(WorkflowInstanceRecord i, WorkflowDefinition definition) => new()
    {
        Id = RootExecutionId(i.Id),
        WorkflowInstanceId = i.Id,
        ActivityId = definition.Root.Id,
        ActivityNodeId = definition.Root.NodeId,
        ActivityType = definition.Root.Type,
        ActivityTypeVersion = definition.Root.Version,
        ActivityName = definition.Name,
        Occurrence = 1,
        Status = i.Status switch
        {
            WorkflowStatus.Running or WorkflowStatus.Suspended => ActivityStatus.Running,
            WorkflowStatus.Finished => ActivityStatus.Completed,
            WorkflowStatus.Faulted => ActivityStatus.Faulted,
            _ => ActivityStatus.Cancelled,
        },
        StartedAt = i.CreatedAt,
        CompletedAt = i.FinishedAt,
        Attempts = 1,
        InputsJson = i.InputJson,
        OutputsJson = i.OutputJson,
        Error = i.Error,
    };

    /// <summary>One activity execution with its inputs, outputs, attempts, cache hit and artifacts.</summary>
    public static JsonObject Execution(ActivityExecutionRecord r, Dictionary<string, string> nodeIds, bool summary)
    {
        var o = new JsonObject
        {
            ["id"] = r.Id,
            ["workflowInstanceId"] = r.WorkflowInstanceId,
            ["activityId"] = r.ActivityId,
            ["activityNodeId"] = nodeIds.GetValueOrDefault(r.ActivityId, r.ActivityNodeId),
            ["activityType"] = r.ActivityType,
            ["activityTypeVersion"] = r.ActivityTypeVersion,
            ["activityName"] = r.ActivityName,
            ["startedAt"] = r.StartedAt.ToString("O"),
            ["hasBookmarks"] = false,
            ["status"] = r.Status switch { ActivityStatus.Completed => "Completed", ActivityStatus.Faulted => "Faulted", ActivityStatus.Running => "Running", _ => "Canceled" },
            ["aggregateFaultCount"] = r.Status == ActivityStatus.Faulted ? 1 : 0,
            ["completedAt"] = r.CompletedAt?.ToString("O"),
        };
        if (summary) return o;
        o["activityState"] = Parse(r.InputsJson);
        o["outputs"] = Parse(r.OutputsJson);
        o["properties"] = new JsonObject { ["attempts"] = r.Attempts, ["cacheKey"] = r.CacheKey, ["occurrence"] = r.Occurrence };
        o["payload"] = new JsonObject
        {
            ["artifacts"] = Parse(r.ArtifactsJson),
            ["attempts"] = Parse(r.AttemptsJson),
            ["outcomes"] = Parse(r.OutcomesJson),
            ["reusedFrom"] = r.ReusedFromId,
        };
        o["exception"] = r.Error is null ? null : new JsonObject { ["type"] = "Exception", ["message"] = r.Error, ["stackTrace"] = r.ErrorDetail };
        return o;
    }

    /// <summary>The badge counts of each activity node.</summary>
    public static JsonObject Report(IReadOnlyList<ActivityExecutionRecord> records, Dictionary<string, string> nodeIds, IReadOnlyCollection<string> onlyNodeIds)
    {
        var stats = new JsonArray();
        foreach (var g in records.GroupBy(r => r.ActivityId))
        {
            var nodeId = nodeIds.GetValueOrDefault(g.Key, g.First().ActivityNodeId);
            if (onlyNodeIds.Count > 0 && !onlyNodeIds.Contains(nodeId)) continue;
            var started = g.Count();
            var completed = g.Count(r => r.Status == ActivityStatus.Completed);
            stats.Add(new JsonObject
            {
                ["activityId"] = g.Key,
                ["activityNodeId"] = nodeId,
                ["startedCount"] = started,
                ["completedCount"] = completed,
                ["uncompletedCount"] = started - completed,
                ["isBlocked"] = false,
                ["isFaulted"] = g.Any(r => r.Status == ActivityStatus.Faulted),
            });
        }
        return new JsonObject { ["stats"] = stats };
    }

    private static JsonNode? Parse(string json)
    {
        try { return JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException) { return json; }
    }
}
