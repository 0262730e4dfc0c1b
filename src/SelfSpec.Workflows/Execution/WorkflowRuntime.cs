using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// Runs workflow definitions as persistent instances. Every activity execution is recorded in the
/// <see cref="WorkflowStore"/>; resuming an instance replays it from the start, reusing each recorded completion
/// instead of executing again, so after a crash or Ctrl-C it continues where it stopped. Only one process at a
/// time executes an instance (an OS file lock that dies with its holder).
/// </summary>
public sealed class WorkflowRuntime
{
    /// <summary>Creates a runtime over <paramref name="store"/> executing the activity types in <paramref name="registry"/>.</summary>
    public WorkflowRuntime(WorkflowStore store, ActivityRegistry registry, WorkflowRuntimeOptions? options = null)
    {
        Store = store;
        Registry = registry;
        Options = options ?? new WorkflowRuntimeOptions();
    }

    /// <summary>The store.</summary>
    public WorkflowStore Store { get; }

    /// <summary>The activity types.</summary>
    public ActivityRegistry Registry { get; }

    /// <summary>The settings.</summary>
    public WorkflowRuntimeOptions Options { get; }

    private string LocksDirectory => Options.LocksDirectory ?? Path.Combine(Path.GetDirectoryName(Store.DatabasePath)!, "locks");

    /// <summary>Starts a new instance of <paramref name="definition"/> and runs it to the end (or until it faults or is cancelled).</summary>
    public async Task<WorkflowRunResult> RunAsync(WorkflowDefinition definition, WorkflowRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WorkflowRunOptions();
        var id = options.InstanceId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        using var instanceLock = FileLock.TryAcquire(LockPath(id)) ?? throw new WorkflowInstanceLockedException(id);
        if (Store.FindInstance(id) is { Id: var existing } && existing == id)
            throw new WorkflowExecutionException($"workflow instance {id} already exists; use resume", id);

        var json = WorkflowDefinitionSerializer.Write(definition);
        Store.SaveDefinition(new WorkflowDefinitionRecord
        {
            Id = definition.Id, DefinitionId = definition.DefinitionId, Name = definition.Name, Version = definition.Version,
            IsPublished = definition.IsPublished, Json = json,
        });
        var input = ConvertInput(definition, options.Input);
        var forced = ExpandForce(definition, options.Force);
        var now = DateTimeOffset.UtcNow;
        var instance = new WorkflowInstanceRecord
        {
            Id = id, DefinitionId = definition.DefinitionId, DefinitionVersionId = definition.Id, Version = definition.Version,
            Name = definition.Name, Status = WorkflowStatus.Running, CreatedAt = now, UpdatedAt = now,
            InputJson = new JsonObject(input.Select(kv => KeyValuePair.Create(kv.Key, ValueConverter.ToJson(kv.Value)))).ToJsonString(),
            ForceJson = new JsonArray(forced.Select(f => (JsonNode?)f).ToArray()).ToJsonString(),
            SourceFile = definition.SourceFile,
            RunDirectory = Path.Combine(Path.GetFullPath(Options.RunsDirectory), id),
        };
        Store.AddInstance(instance, json);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var execution = new WorkflowExecution(this, definition, instance, input, new Dictionary<(string, int), ActivityExecutionRecord>(),
            forced, options.Events, cts.Token, lastSequence: 0);
        return await ExecuteAsync(execution, cts, options, resumed: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Continues an instance that was interrupted (crash), cancelled or faulted: activities that completed are not
    /// executed again; an activity that was running is started afresh. A finished instance is returned as is.
    /// </summary>
    public async Task<WorkflowRunResult> ResumeAsync(string instanceId, WorkflowRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WorkflowRunOptions();
        var instance = Store.FindInstance(instanceId) ?? throw new WorkflowExecutionException($"no workflow instance '{instanceId}'", instanceId);
        using var instanceLock = FileLock.TryAcquire(LockPath(instance.Id)) ?? throw new WorkflowInstanceLockedException(instance.Id);
        instance = Store.FindInstance(instance.Id)!; // re-read under the lock
        if (instance.Status == WorkflowStatus.Finished) return Result(instance);

        var definition = WorkflowDefinitionSerializer.Read(Store.GetInstanceDefinition(instance.Id), instance.SourceFile);
        definition.SourceFile = instance.SourceFile;
        var records = Store.GetRecords(instance.Id);
        foreach (var stale in records.Where(r => r.Status == ActivityStatus.Running))
        {
            stale.Status = ActivityStatus.Interrupted;
            stale.CompletedAt ??= instance.UpdatedAt;
            stale.Error = "the process ended while this activity ran";
            Store.UpdateRecord(stale, null);
        }
        var replay = new Dictionary<(string, int), ActivityExecutionRecord>();
        foreach (var r in records.Where(r => r.Status == ActivityStatus.Completed)) replay[(r.ActivityId, r.Occurrence)] = r;
        var staging = Path.Combine(instance.RunDirectory, ".staging");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);

        var storedInput = JsonNode.Parse(instance.InputJson)?.AsObject() ?? [];
        var input = ConvertInput(definition, storedInput.ToDictionary(kv => kv.Key, kv => (object?)kv.Value?.DeepClone()));
        var forced = (JsonNode.Parse(instance.ForceJson) as JsonArray ?? []).Select(n => n!.ToString()).ToHashSet(StringComparer.Ordinal);
        instance.CancelRequested = false;
        instance.Error = null;
        instance.FinishedAt = null;
        instance.Status = WorkflowStatus.Running;
        instance.OutputJson = "{}";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var execution = new WorkflowExecution(this, definition, instance, input, replay, forced, options.Events, cts.Token,
            Store.LastLogSequence(instance.Id));
        return await ExecuteAsync(execution, cts, options, resumed: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Cancels an instance: an executing one is asked to stop (it polls the store) and becomes Cancelled;
    /// an idle one is marked Cancelled at once. Returns the status after the call.
    /// </summary>
    public WorkflowStatus Cancel(string instanceId)
    {
        var instance = Store.FindInstance(instanceId) ?? throw new WorkflowExecutionException($"no workflow instance '{instanceId}'", instanceId);
        if (instance.Status is WorkflowStatus.Finished or WorkflowStatus.Cancelled) return instance.Status;
        using var idle = FileLock.TryAcquire(LockPath(instance.Id));
        if (idle is null)
        {
            Store.RequestCancel(instance.Id);
            return WorkflowStatus.Running;
        }
        instance.Status = WorkflowStatus.Cancelled;
        instance.IsExecuting = false;
        instance.FinishedAt = DateTimeOffset.UtcNow;
        instance.UpdatedAt = DateTimeOffset.UtcNow;
        Store.UpdateInstance(instance);
        return WorkflowStatus.Cancelled;
    }

    /// <summary>Whether a process is executing the instance right now (its lock is held).</summary>
    public bool IsExecuting(string instanceId)
    {
        using var probe = FileLock.TryAcquire(LockPath(instanceId));
        return probe is null;
    }

    private string LockPath(string instanceId) => Path.Combine(LocksDirectory, ActivityInvoker.SafeName(instanceId) + ".lock");

    /// <summary>Runs an instance under its lock; <paramref name="cts"/> is cancelled by the caller's token or by <c>runs cancel</c>.</summary>
    private async Task<WorkflowRunResult> ExecuteAsync(WorkflowExecution execution, CancellationTokenSource cts, WorkflowRunOptions options, bool resumed)
    {
        var instance = execution.Instance;
        instance.IsExecuting = true;
        instance.Owner = $"{Environment.MachineName}:{Environment.ProcessId}";
        instance.UpdatedAt = DateTimeOffset.UtcNow;
        execution.Log(resumed ? "WorkflowResumed" : "WorkflowStarted", null, null);
        Store.UpdateInstance(instance);
        Store.AddLog(execution.DrainLog());
        execution.Emit(new WorkflowStarted(instance.Id, execution.Definition.Name,
            (execution.Definition.Root.Activities ?? [execution.Definition.Root]).Select(WorkflowExecution.Info).ToList(), resumed));

        using var poller = new Timer(_ =>
        {
            try { if (Store.IsCancelRequested(instance.Id)) cts.Cancel(); else Store.Heartbeat(instance.Id); }
            catch (Exception) { /* a busy database must not kill the run; the next tick retries */ }
        }, null, Options.PollInterval, Options.PollInterval);

        string? error = null;
        WorkflowStatus status;
        try
        {
            if (execution.Definition.Root.IsFlowchart)
                await new FlowchartExecutor(execution).RunAsync(execution.Definition.Root, options.TriggerActivityId).ConfigureAwait(false);
            else
                await new ActivityInvoker(execution).InvokeAsync(execution.Definition.Root).ConfigureAwait(false);
            status = WorkflowStatus.Finished;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            status = WorkflowStatus.Cancelled;
        }
        catch (ActivityFaultedException e)
        {
            status = WorkflowStatus.Faulted;
            error = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not an activity's own failure (e.g. a full disk while moving artifacts): still leave a resumable, faulted instance.
            status = WorkflowStatus.Faulted;
            error = e.Message;
        }
        await poller.DisposeAsync().ConfigureAwait(false);

        instance.Status = status;
        instance.Error = error;
        instance.IsExecuting = false;
        instance.Owner = null;
        instance.CancelRequested = false;
        instance.UpdatedAt = DateTimeOffset.UtcNow;
        instance.FinishedAt = instance.UpdatedAt;
        instance.VariablesJson = execution.VariablesJson();
        instance.OutputJson = execution.OutputJson();
        execution.Log("Workflow" + status, null, error);
        Store.UpdateInstance(instance);
        Store.AddLog(execution.DrainLog());
        execution.Emit(new WorkflowEnded(instance.Id, status, error));
        return Result(instance, execution.Output);
    }

    private WorkflowRunResult Result(WorkflowInstanceRecord instance, IReadOnlyDictionary<string, object?>? output = null) =>
        new(instance.Id, instance.Status, instance.Error,
            output ?? (JsonNode.Parse(instance.OutputJson)?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => ValueConverter.Unwrap(kv.Value)),
            Store.GetRecords(instance.Id));

    private static Dictionary<string, object?> ConvertInput(WorkflowDefinition definition, IReadOnlyDictionary<string, object?> raw)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in raw)
        {
            var declared = definition.Inputs.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
            var type = TypeAliases.Resolve(declared?.Type);
            try
            {
                result[declared?.Name ?? name] = type == typeof(object) ? ValueConverter.Unwrap(value) : ValueConverter.Convert(value, type);
            }
            catch (FormatException e)
            {
                throw new WorkflowExecutionException($"workflow input '{name}': {e.Message}");
            }
        }
        foreach (var declared in definition.Inputs)
            result.TryAdd(declared.Name, null); // declared but not given: null, so expressions can test for it
        return result;
    }

    /// <summary>Adds <paramref name="nodeId"/> of <paramref name="flowchart"/>, every activity after it and their children to <paramref name="result"/>.</summary>
    internal static void AddDownstream(ActivityNode flowchart, string nodeId, ISet<string> result)
    {
        var graph = new FlowchartGraph(flowchart);
        foreach (var id in graph.Downstream(nodeId))
            foreach (var d in graph.Nodes[id].Descendants()) result.Add(d.Id);
    }

    private static HashSet<string> ExpandForce(WorkflowDefinition definition, IReadOnlyCollection<string> force)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var requested in force)
        {
            var found = false;
            foreach (var flowchart in definition.AllActivities().Where(a => a.IsFlowchart))
            {
                var node = flowchart.Activities!.FirstOrDefault(a => a.Id == requested)
                    ?? flowchart.Activities!.FirstOrDefault(a => string.Equals(a.Name, requested, StringComparison.Ordinal) || a.DisplayName == requested);
                if (node is null) continue;
                found = true;
                AddDownstream(flowchart, node.Id, result);
            }
            if (!found) throw new WorkflowExecutionException($"--force: no activity '{requested}' in the workflow");
        }
        return result;
    }
}
