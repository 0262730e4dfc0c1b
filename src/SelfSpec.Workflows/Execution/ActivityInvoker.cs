using System.Diagnostics;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// Executes one activity: resolves its inputs, computes its cache key, reuses a matching completed record
/// (replay after a crash, or a cached result from another run), or runs it under its resilience pipeline in a
/// staging folder that is moved into place atomically before the completion is recorded.
/// </summary>
internal sealed class ActivityInvoker(WorkflowExecution execution)
{
    private WorkflowStore Store => execution.Store;

    public async Task<IReadOnlyList<string>> InvokeAsync(ActivityNode node)
    {
        execution.Token.ThrowIfCancellationRequested();
        if (node.IsFlowchart)
        {
            await new FlowchartExecutor(execution).RunAsync(node).ConfigureAwait(false);
            return ["Done"];
        }
        var descriptor = execution.Runtime.Registry.Find(node.Type)
            ?? throw Fault(node, $"unknown activity type '{node.Type}'", null);
        var info = WorkflowExecution.Info(node);
        var occurrence = execution.NextOccurrence(node.Id);

        Dictionary<ActivityPortDescriptor, object?> inputs;
        JsonObject inputsJson;
        try { (inputs, inputsJson) = await ResolveInputsAsync(node, descriptor).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            execution.Log("Faulted", node, e.Message);
            execution.Emit(new ActivityEnded(execution.InstanceId, info, ActivityOutcomeKind.Faulted, TimeSpan.Zero, [], e.Message));
            // An expression failure already names the workflow, the activity and the input.
            throw Fault(node, e is WorkflowExecutionException ? e.Message : $"activity '{node.DisplayName}' ({node.Id}): {e.Message}", e);
        }
        var key = CacheKey.Compute(descriptor.TypeName, descriptor.Version, inputsJson);
        var composite = typeof(ICompositeActivity).IsAssignableFrom(descriptor.ClrType);

        if (!composite)
        {
            if (execution.Replay.TryGetValue((node.Id, occurrence), out var prior) && prior.CacheKey == key
                && !execution.Invalidated.Contains(node.Id) && ArtifactsIntact(node, prior))
                return Reuse(node, info, prior, null);
            if (descriptor.Cacheable && !execution.Forced.Contains(node.Id) && Store.FindCompleted(key) is { } cached && ArtifactsIntact(node, cached))
                return Reuse(node, info, cached, NewRecord(node, descriptor, occurrence, key, inputsJson));
        }
        return await ExecuteAsync(node, descriptor, info, occurrence, key, inputs, inputsJson).ConfigureAwait(false);
    }

    private ActivityFaultedException Fault(ActivityNode node, string message, Exception? inner) =>
        new(message, execution.InstanceId, node.Id, inner ?? new InvalidOperationException(message));

    private async Task<(Dictionary<ActivityPortDescriptor, object?>, JsonObject)> ResolveInputsAsync(ActivityNode node, ActivityDescriptor descriptor)
    {
        var values = new Dictionary<ActivityPortDescriptor, object?>();
        var json = new JsonObject();
        foreach (var port in descriptor.Inputs)
        {
            var input = node.GetInput(port.Name);
            if (input is null)
            {
                if (port.Required) throw new FormatException($"required input '{port.Name}' is not set");
                continue;
            }
            object? value;
            value = await ExpressionEvaluator.EvaluateAsync(input, port.ClrType, execution, node, port.Name, execution.Token).ConfigureAwait(false);
            json[port.Name] = ValueConverter.ToJson(value);
            if (value is null) continue; // an input that evaluates to null keeps the activity's default value
            values[port] = value;
        }
        return (values, json);
    }

    /// <summary>
    /// Whether every artifact of <paramref name="record"/> is still what it wrote. When one is not, says so once (journal
    /// and event) and marks the activity and everything after it for recomputation: what they computed may have read the
    /// damaged file, and a damaged file is never handed on.
    /// </summary>
    private bool ArtifactsIntact(ActivityNode node, ActivityExecutionRecord record)
    {
        if (execution.DamagedRecords.Contains(record.Id)) return false;
        var damaged = ArtifactVerifier.Verify(ArtifactProducer.Artifacts(record.ArtifactsJson), execution.Token).Where(c => !c.IsIntact).ToList();
        if (damaged.Count == 0) return true;
        execution.DamagedRecords.Add(record.Id);
        var source = record.WorkflowInstanceId == execution.InstanceId ? "this instance" : $"instance {record.WorkflowInstanceId}";
        execution.Log("ArtifactDamaged", node,
            $"not reused: {damaged.Count} artifact(s) written by {source} differ from their record; recomputing '{node.DisplayName}' and everything after it. "
            + string.Join("; ", damaged.Select(c => c.Describe())));
        execution.Emit(new ArtifactsDamaged(execution.InstanceId, node.Id, damaged));
        var after = new HashSet<string>(StringComparer.Ordinal);
        foreach (var flowchart in execution.Definition.AllActivities().Where(a => a.IsFlowchart && a.Activities!.Any(c => c.Id == node.Id)))
            WorkflowRuntime.AddDownstream(flowchart, node.Id, after);
        after.Add(node.Id);
        execution.Invalidated.UnionWith(after);
        execution.Forced.UnionWith(after);
        execution.Instance.ForceJson = new JsonArray(execution.Forced.Order(StringComparer.Ordinal).Select(f => (JsonNode?)f).ToArray()).ToJsonString();
        return false;
    }

    private ActivityExecutionRecord NewRecord(ActivityNode node, ActivityDescriptor d, int occurrence, string key, JsonObject inputsJson) => new()
    {
        Id = Guid.NewGuid().ToString("N"), WorkflowInstanceId = execution.InstanceId, ActivityId = node.Id, ActivityNodeId = node.NodeId,
        ActivityType = d.TypeName, ActivityTypeVersion = d.Version, ActivityName = node.DisplayName, Occurrence = occurrence,
        Status = ActivityStatus.Running, StartedAt = DateTimeOffset.UtcNow, CacheKey = key, InputsJson = inputsJson.ToJsonString(),
    };

    /// <summary>Applies a completed record instead of executing. With <paramref name="copy"/>, records the reuse in this instance.</summary>
    private IReadOnlyList<string> Reuse(ActivityNode node, ActivityInfo info, ActivityExecutionRecord source, ActivityExecutionRecord? copy)
    {
        execution.ApplyVariableWrites(JsonNode.Parse(source.VariableWritesJson)?.AsObject() ?? []);
        var outcomes = (JsonNode.Parse(source.OutcomesJson) as JsonArray ?? []).Select(n => n!.ToString()).ToList();
        var artifacts = ArtifactProducer.Artifacts(source.ArtifactsJson);
        if (copy is not null)
        {
            copy.Status = ActivityStatus.Completed;
            copy.CompletedAt = DateTimeOffset.UtcNow;
            copy.OutputsJson = source.OutputsJson;
            copy.VariableWritesJson = source.VariableWritesJson;
            copy.ArtifactsJson = source.ArtifactsJson;
            copy.OutcomesJson = source.OutcomesJson;
            copy.ReusedFromId = source.ReusedFromId ?? source.Id;
            execution.Log("Reused", node, $"cache hit: reused results of instance {source.WorkflowInstanceId}");
            execution.Instance.VariablesJson = execution.VariablesJson();
            execution.Instance.UpdatedAt = DateTimeOffset.UtcNow;
            Store.UpdateRecord(copy, execution.Instance, execution.DrainLog());
        }
        else
        {
            execution.Log("Replayed", node, "completed earlier in this instance; not re-executed");
        }
        execution.Emit(new ActivityEnded(execution.InstanceId, info, ActivityOutcomeKind.Reused, TimeSpan.Zero, artifacts, null));
        return outcomes;
    }

    private async Task<IReadOnlyList<string>> ExecuteAsync(ActivityNode node, ActivityDescriptor descriptor, ActivityInfo info, int occurrence,
        string key, Dictionary<ActivityPortDescriptor, object?> inputs, JsonObject inputsJson)
    {
        var folder = SafeName(node.Id) + (occurrence > 1 ? "~" + occurrence : "");
        var finalDir = Path.Combine(execution.RunDirectory, folder);
        if (Directory.Exists(finalDir)) Directory.Delete(finalDir, recursive: true); // moved by a run that died before recording it
        ResilienceSettings settings;
        try { settings = execution.Runtime.Options.Resilience.Resolve(node.CustomProperties); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        { throw Fault(node, $"activity '{node.DisplayName}' ({node.Id}): {e.Message}", e); }
        var record = NewRecord(node, descriptor, occurrence, key, inputsJson);
        execution.Log("Started", node, null);
        using var startRecord = new DeferredStartRecord(Store, record, execution.Runtime.Options.RunningRecordDelay);

        int? batchSize = descriptor.BatchSizeProperty is { } bp
            ? (int?)(inputs.FirstOrDefault(kv => kv.Key.Property == bp).Value ?? bp.GetValue(descriptor.Factory()))
            : null;
        var attempts = new JsonArray();
        var attempt = 0;
        ActivityExecutionContext? done = null;
        WorkflowActivity? doneInstance = null;
        var clock = Stopwatch.StartNew();
        var progress = new ProgressForwarder(execution, node.Id);

        var pipeline = BuildPipeline(settings, node, info, attempts, () => batchSize, b => batchSize = b);
        try
        {
            await pipeline.ExecuteAsync(async ct =>
            {
                attempt++;
                var staging = Path.Combine(execution.RunDirectory, ".staging", $"{folder}-{attempt}");
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                var activity = descriptor.Factory();
                foreach (var (port, value) in inputs) port.Property.SetValue(activity, value);
                if (descriptor.BatchSizeProperty is { } batchProperty && batchSize is { } b) batchProperty.SetValue(activity, b);
                var context = new ActivityExecutionContext(execution, node, attempt, staging, finalDir, progress, ct);
                execution.Emit(new ActivityStarted(execution.InstanceId, info, attempt));
                var started = DateTimeOffset.UtcNow;
                var watch = Stopwatch.StartNew();
                try
                {
                    await activity.ExecuteAsync(context).ConfigureAwait(false);
                    attempts.Add(Attempt(attempt, batchSize, started, watch.Elapsed, null));
                }
                catch (Exception e)
                {
                    attempts.Add(Attempt(attempt, batchSize, started, watch.Elapsed, e));
                    TryDelete(staging);
                    throw;
                }
                done = context;
                doneInstance = activity;
            }, execution.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var cancelled = e is OperationCanceledException && execution.Token.IsCancellationRequested;
            record.Status = cancelled ? ActivityStatus.Cancelled : ActivityStatus.Faulted;
            record.CompletedAt = DateTimeOffset.UtcNow;
            record.Attempts = attempt;
            record.AttemptsJson = attempts.ToJsonString();
            record.Error = cancelled ? "cancelled" : e.Message + BadInputHint(inputs, e);
            record.ErrorDetail = cancelled ? null : e.ToString();
            execution.Log(cancelled ? "Cancelled" : "Faulted", node, record.Error);
            startRecord.Complete();
            Store.UpdateRecord(record, null, execution.DrainLog());
            execution.Emit(new ActivityEnded(execution.InstanceId, info, cancelled ? ActivityOutcomeKind.Cancelled : ActivityOutcomeKind.Faulted,
                clock.Elapsed, [], record.Error));
            if (cancelled) throw;
            throw Fault(node, $"activity '{node.DisplayName}' ({node.Id}) failed: {record.Error}", e);
        }

        var context = done!;
        var outputs = new JsonObject();
        foreach (var port in descriptor.Outputs)
        {
            var value = port.Property.GetValue(doneInstance);
            outputs[port.Name] = ValueConverter.ToJson(value);
            if (node.GetOutputBinding(port.Name) is { } variableId) execution.WriteVariable(variableId, value, context);
        }
        if (context.HasWorkingDirectory)
        {
            var staged = Path.Combine(execution.RunDirectory, ".staging", $"{folder}-{attempt}");
            Directory.CreateDirectory(execution.RunDirectory);
            Directory.Move(staged, finalDir); // atomic rename: the folder is complete or absent
        }
        record.Status = ActivityStatus.Completed;
        record.CompletedAt = DateTimeOffset.UtcNow;
        record.Attempts = attempt;
        record.AttemptsJson = attempts.ToJsonString();
        record.OutputsJson = outputs.ToJsonString();
        record.VariableWritesJson = new JsonObject(context.VariableWrites.Select(kv => KeyValuePair.Create(kv.Key, ValueConverter.ToJson(kv.Value)))).ToJsonString();
        record.ArtifactsJson = ValueConverter.ToJson(context.Artifacts)!.ToJsonString();
        record.OutcomesJson = new JsonArray(context.Outcomes.Select(o => (JsonNode?)o).ToArray()).ToJsonString();
        execution.Log("Completed", node, attempt > 1 ? $"completed after {attempt} attempts" : null);
        execution.Instance.VariablesJson = execution.VariablesJson();
        execution.Instance.OutputJson = execution.OutputJson();
        execution.Instance.UpdatedAt = DateTimeOffset.UtcNow;
        startRecord.Complete();
        Store.UpdateRecord(record, execution.Instance, execution.DrainLog());
        execution.Emit(new ActivityEnded(execution.InstanceId, info, ActivityOutcomeKind.Completed, clock.Elapsed, context.Artifacts.ToList(), null));
        return context.Outcomes;
    }

    /// <summary>
    /// When an activity failed on an input artifact (a file that differs from its record, or a recorded artifact its error
    /// names), which activity wrote that file and the command that recomputes it; empty otherwise.
    /// </summary>
    private string BadInputHint(Dictionary<ActivityPortDescriptor, object?> inputs, Exception error)
    {
        var suspects = new Dictionary<string, string>(StringComparer.Ordinal); // path → what is wrong with it
        try
        {
            foreach (var (port, value) in inputs)
                if (value is ArtifactRef artifact && ArtifactVerifier.Verify(artifact) is { IsIntact: false } check)
                    suspects[artifact.Path] = $"input '{port.Name}' is damaged ({check.Describe()})";
            foreach (var path in RunFilesNamedIn(error))
            {
                if (suspects.ContainsKey(path)) continue;
                var port = inputs.FirstOrDefault(kv => kv.Value is ArtifactRef a && a.Path == path).Key;
                suspects[path] = port is null ? $"{path} could not be read" : $"input '{port.Name}' ({path}) could not be read";
            }
            var hints = new List<string>();
            foreach (var (path, problem) in suspects)
            {
                if (ArtifactProducer.Find(Store, path) is { } producer)
                    hints.Add($"{problem}; it was written by activity '{producer.Record.ActivityId}' of run {producer.Record.WorkflowInstanceId}: "
                              + $"recompute it with `{ArtifactProducer.RecomputeCommand(execution.Instance.SourceFile, producer.Record.ActivityId)}`");
                else if (problem.Contains("is damaged", StringComparison.Ordinal))
                    hints.Add($"{problem}; no recorded activity wrote it");
            }
            return hints.Count == 0 ? "" : " — " + string.Join("; ", hints);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException)
        {
            return ""; // the original error stands alone
        }
    }

    /// <summary>Paths below the runs folder that an error's messages (and their inner errors') name.</summary>
    private IEnumerable<string> RunFilesNamedIn(Exception error)
    {
        var runs = Path.GetFullPath(execution.Runtime.Options.RunsDirectory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var found = new HashSet<string>(StringComparer.Ordinal);
        for (Exception? x = error; x is not null; x = x.InnerException)
        {
            var message = x.Message;
            for (var at = message.IndexOf(runs, StringComparison.Ordinal); at >= 0; at = message.IndexOf(runs, at + 1, StringComparison.Ordinal))
            {
                var end = message.IndexOfAny([' ', '\t', '\n', '\'', '"', '`', ',', ';', ':', ')'], at);
                var path = (end < 0 ? message[at..] : message[at..end]).TrimEnd('.');
                if (File.Exists(path) && found.Add(path)) yield return path;
            }
        }
    }

    private ResiliencePipeline BuildPipeline(ResilienceSettings settings, ActivityNode node, ActivityInfo info, JsonArray attempts,
        Func<int?> getBatch, Action<int> setBatch)
    {
        if (settings == ResilienceSettings.None) return ResiliencePipeline.Empty;
        var builder = new ResiliencePipelineBuilder();
        if (settings.HalveBatchOnResourceExhausted)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "resource-exhausted",
                MaxRetryAttempts = 64,
                Delay = TimeSpan.Zero,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ResourceExhaustedException
                                                            && getBatch() is { } b && b / 2 >= settings.MinBatchSize),
                OnRetry = args =>
                {
                    var next = getBatch()!.Value / 2;
                    setBatch(next);
                    OnRetry(node, args.AttemptNumber, args.Outcome.Exception!, args.RetryDelay, next);
                    return ValueTask.CompletedTask;
                },
            });
        }
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "transient",
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                OnRetry = args =>
                {
                    OnRetry(node, args.AttemptNumber, args.Outcome.Exception!, args.RetryDelay, null);
                    return ValueTask.CompletedTask;
                },
            });
        }
        if (settings.Timeout is { } timeout) builder.AddTimeout(timeout);
        return builder.Build();
    }

    private void OnRetry(ActivityNode node, int retry, Exception error, TimeSpan delay, int? nextBatch)
    {
        var message = nextBatch is { } b ? $"{error.Message}; retrying with batch size {b}" : $"{error.Message}; retrying in {delay.TotalMilliseconds:0} ms";
        execution.Log("Retrying", node, message);
        execution.Emit(new ActivityRetrying(execution.InstanceId, node.Id, retry + 1, error.Message, delay, nextBatch));
    }

    private bool IsTransient(Exception e) => e switch
    {
        OperationCanceledException when execution.Token.IsCancellationRequested => false,
        ResourceExhaustedException or WorkflowFaultException or WorkflowDefinitionException or FormatException or ArgumentException => false,
        // Bad or missing data fails the same way on every attempt (the engines derive their format errors from FormatException).
        InvalidDataException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => false,
        _ => true,
    };

    private static JsonObject Attempt(int number, int? batch, DateTimeOffset started, TimeSpan duration, Exception? error)
    {
        var o = new JsonObject { ["attempt"] = number, ["startedAt"] = started.ToString("O"), ["durationMs"] = Math.Round(duration.TotalMilliseconds, 3) };
        if (batch is { } b) o["batchSize"] = b;
        if (error is not null) { o["error"] = error.Message; o["errorType"] = error.GetType().FullName; }
        return o;
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static readonly System.Buffers.SearchValues<char> InvalidNameChars = System.Buffers.SearchValues.Create([.. Path.GetInvalidFileNameChars(), '~']);

    internal static string SafeName(string id)
    {
        if (id is "." or "..") return "_";
        if (id.AsSpan().IndexOfAny(InvalidNameChars) < 0) return id;
        return string.Create(id.Length, id, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = InvalidNameChars.Contains(s[i]) ? '_' : s[i];
        });
    }

    /// <summary>
    /// Writes the Running record of an execution only once it has run for a while. A quick activity then costs one
    /// commit (its completion) instead of two; a long one shows as Running in <c>runs show</c>. Either way a crash
    /// leaves no Completed record, so the activity runs again on resume (like Elsa's commit strategies).
    /// </summary>
    private sealed class DeferredStartRecord : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Timer? _timer;
        private bool _done;

        public DeferredStartRecord(WorkflowStore store, ActivityExecutionRecord record, TimeSpan delay)
        {
            if (delay <= TimeSpan.Zero) { store.AddRecord(record); return; }
            // The record is snapshotted: the main thread keeps mutating it while the timer may write it.
            var snapshot = record.Clone();
            _timer = new Timer(_ =>
            {
                lock (_gate)
                {
                    if (_done) return;
                    try { store.AddRecord(snapshot); } catch (Exception) { /* the completion write will insert it */ }
                }
            }, null, delay, Timeout.InfiniteTimeSpan);
        }

        /// <summary>Called before the completion write; waits for a start write in progress.</summary>
        public void Complete()
        {
            lock (_gate) _done = true;
        }

        public void Dispose()
        {
            Complete();
            _timer?.Dispose();
        }
    }

    private sealed class ProgressForwarder(WorkflowExecution execution, string activityId) : IProgress<ActivityProgress>
    {
        public void Report(ActivityProgress value) => execution.Emit(new ActivityProgressed(execution.InstanceId, activityId, value));
    }
}
