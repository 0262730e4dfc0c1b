using System.Collections.Concurrent;
using System.Security.Cryptography;
using SelfSpec.Server.Api;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;

namespace SelfSpec.Server.Designer;

/// <summary>
/// Runs started from the designer: the published (or latest) version runs in this process's <see cref="WorkflowRuntime"/>,
/// the code path of <c>selfspec run</c> (checkpoints, cache, resilience, resume), in the background. Keeps the latest
/// progress message of each running activity for the journal (the store records starts and ends, not progress).
/// </summary>
public sealed class DesignerRuns(WorkflowRuntime runtime, DefinitionCatalog catalog) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (Task Task, CancellationTokenSource Cancel)> _running = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _progress = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Starts the published (else latest) version of <paramref name="definitionId"/> and returns the instance id once the
    /// instance is stored. 400 when the definition has validation errors.
    /// </summary>
    public async Task<string> StartAsync(string definitionId, VersionOptions? version, IReadOnlyDictionary<string, object?> input)
    {
        var record = version is null || version.Kind == "Published" && catalog.Versions(definitionId).All(v => !v.IsPublished)
            ? catalog.FindRunnable(DefinitionCatalog.CheckId(definitionId, "definition id")) ?? throw ApiException.NotFound($"no workflow definition '{definitionId}'")
            : catalog.Find(definitionId, version);
        var definition = WorkflowDefinitionSerializer.Read(record.Json);
        var errors = WorkflowValidator.Validate(definition, runtime.Registry).Where(p => p.Severity == ProblemSeverity.Error).ToList();
        if (errors.Count > 0)
            throw ApiException.BadRequest($"'{definition.Name}' v{definition.Version} cannot run: {string.Join("; ", errors.Take(5))}");
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var progress = _progress.GetOrAdd(id, _ => new ConcurrentDictionary<string, string>());
        var options = new WorkflowRunOptions { InstanceId = id, Input = input, Events = new ProgressSink(progress) };
        var task = Task.Run(async () =>
        {
            try { await runtime.RunAsync(definition, options, cancel.Token); }
            finally { _running.TryRemove(id, out _); _progress.TryRemove(id, out _); cancel.Dispose(); }
        });
        _running[id] = (task, cancel);
        // Studio opens the instance right after the call: return once it is stored (or the run failed to start).
        while (runtime.Store.FindInstance(id) is null && !task.IsCompleted) await Task.Delay(20);
        if (task.IsFaulted && runtime.Store.FindInstance(id) is null)
            throw ApiException.BadRequest($"'{definition.Name}' could not start: {task.Exception!.GetBaseException().Message}");
        return id;
    }

    /// <summary>Cancels an instance (this process's run stops its current activity; another process's is asked through the store).</summary>
    public WorkflowStatus Cancel(string instanceId)
    {
        var instance = runtime.Store.FindInstance(DefinitionCatalog.CheckId(instanceId, "instance id")) ?? throw ApiException.NotFound($"no workflow instance '{instanceId}'");
        var status = runtime.Cancel(instance.Id);
        if (_running.TryGetValue(instance.Id, out var run)) run.Cancel.Cancel();
        return status;
    }

    /// <summary>The latest progress message of each activity of a running instance, by activity id.</summary>
    public IReadOnlyDictionary<string, string> Progress(string instanceId) =>
        _progress.TryGetValue(instanceId, out var p) ? new Dictionary<string, string>(p) : new Dictionary<string, string>();

    /// <summary>Waits for a run started here to end (tests, shutdown).</summary>
    public Task WaitAsync(string instanceId) => _running.TryGetValue(instanceId, out var run) ? run.Task : Task.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try { await Task.WhenAll(_running.Values.Select(r => r.Task)).WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or WorkflowExecutionException) { }
        _stopping.Dispose();
    }

    private sealed class ProgressSink(ConcurrentDictionary<string, string> progress) : IProgress<WorkflowEvent>
    {
        public void Report(WorkflowEvent value)
        {
            if (value is ActivityProgressed p) progress[p.ActivityId] = Describe(p.Progress);
            else if (value is ActivityEnded e) progress.TryRemove(e.Activity.Id, out _);
        }

        private static string Describe(Workflows.Activities.ActivityProgress p)
        {
            var amount = p.Total is { } total ? $"{p.Completed:0.##}/{total:0.##}" + (p.Fraction is { } f ? $" ({f:P0})" : "") : $"{p.Completed:0.##}";
            return p.Message is { Length: > 0 } m ? $"{m} — {amount}" : amount;
        }
    }
}
