using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Scheduling;

/// <summary>Creates schedules from a definition's <c>Elsa.Cron</c> triggers and runs a due schedule.</summary>
public static class ScheduledRuns
{
    /// <summary>
    /// Stores <paramref name="definition"/> and one schedule per <c>Elsa.Cron</c> trigger in it, or a single
    /// schedule with <paramref name="cron"/> when given. Throws <see cref="FormatException"/> for a bad expression.
    /// </summary>
    public static IReadOnlyList<ScheduleRecord> Add(WorkflowStore store, WorkflowDefinition definition, string? cron = null,
        IReadOnlyDictionary<string, object?>? input = null)
    {
        var expressions = cron is not null
            ? [cron]
            : definition.AllActivities().Where(a => a.Type == FlowchartTypes.Cron)
                .Select(a => a.GetInput("cronExpression")?.Expression.ValueText).Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e!).ToList();
        if (expressions.Count == 0)
            throw new FormatException($"workflow '{definition.Name}' has no Elsa.Cron trigger; pass a cron expression");
        foreach (var e in expressions) CronSchedule.ToQuartz(e);
        store.SaveDefinition(new WorkflowDefinitionRecord
        {
            Id = definition.Id, DefinitionId = definition.DefinitionId, Name = definition.Name, Version = definition.Version,
            IsPublished = definition.IsPublished, Json = WorkflowDefinitionSerializer.Write(definition),
        });
        var inputJson = new JsonObject((input ?? new Dictionary<string, object?>()).Select(kv => KeyValuePair.Create(kv.Key, Expressions.ValueConverter.ToJson(kv.Value)))).ToJsonString();
        var added = new List<ScheduleRecord>();
        foreach (var expression in expressions)
        {
            var schedule = new ScheduleRecord
            {
                Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)),
                DefinitionId = definition.DefinitionId, CronExpression = expression, InputJson = inputJson, CreatedAt = DateTimeOffset.UtcNow,
            };
            store.SaveSchedule(schedule);
            added.Add(schedule);
        }
        return added;
    }

    /// <summary>Runs the latest stored version of the schedule's definition, starting at its Cron trigger.</summary>
    public static async Task<WorkflowRunResult> RunAsync(WorkflowRuntime runtime, ScheduleRecord schedule, IProgress<WorkflowEvent>? events, CancellationToken cancellationToken)
    {
        var stored = runtime.Store.FindDefinition(schedule.DefinitionId)
            ?? throw new WorkflowExecutionException($"schedule {schedule.Id}: definition '{schedule.DefinitionId}' is not stored");
        var definition = WorkflowDefinitionSerializer.Read(stored.Json);
        var trigger = definition.AllActivities().FirstOrDefault(a => a.Type == FlowchartTypes.Cron
            && a.GetInput("cronExpression")?.Expression.ValueText == schedule.CronExpression);
        var input = (JsonNode.Parse(schedule.InputJson)?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => (object?)kv.Value?.DeepClone());
        var result = await runtime.RunAsync(definition, new WorkflowRunOptions { Input = input, TriggerActivityId = trigger?.Id, Events = events }, cancellationToken)
            .ConfigureAwait(false);
        schedule.LastInstanceId = result.InstanceId;
        runtime.Store.SaveSchedule(schedule);
        return result;
    }
}
