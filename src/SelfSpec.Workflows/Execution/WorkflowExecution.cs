using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// The state of one run of one instance: variables, input/output, the records that may be replayed, occurrence
/// counters and the pending log. Execution is sequential, so no member needs to be thread-safe except event reporting.
/// </summary>
internal sealed class WorkflowExecution : IExpressionScope
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal); // by variable id
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);
    private readonly List<WorkflowExecutionLogRecord> _pendingLog = [];
    private long _sequence;

    public WorkflowExecution(WorkflowRuntime runtime, WorkflowDefinition definition, WorkflowInstanceRecord instance,
        Dictionary<string, object?> input, IReadOnlyDictionary<(string, int), ActivityExecutionRecord> replay,
        HashSet<string> forced, IProgress<WorkflowEvent>? events, CancellationToken token, long lastSequence)
    {
        Runtime = runtime;
        Definition = definition;
        Instance = instance;
        Input = input;
        Replay = replay;
        Forced = forced;
        Events = events;
        Token = token;
        _sequence = lastSequence;
        foreach (var v in definition.Variables)
            _variables[v.Id] = v.Value is null ? null : ValueConverter.FromJson(ParseDefault(v), v.TypeName, v.IsArray);
        foreach (var (k, v) in JsonNode.Parse(instance.OutputJson)?.AsObject() ?? [])
            Output[k] = ValueConverter.Unwrap(v);
    }

    private static JsonNode? ParseDefault(VariableDefinition v)
    {
        var type = TypeAliases.Resolve(v.TypeName, v.IsArray);
        if (type == typeof(string) || type == typeof(object) && !(v.Value!.TrimStart() is ['{', ..] or ['[', ..])) return JsonValue.Create(v.Value);
        try { return JsonNode.Parse(v.Value!); } catch (JsonException) { return JsonValue.Create(v.Value); }
    }

    public WorkflowRuntime Runtime { get; }
    public WorkflowDefinition Definition { get; }
    public WorkflowInstanceRecord Instance { get; }
    public string InstanceId => Instance.Id;
    public string RunDirectory => Instance.RunDirectory;
    public Dictionary<string, object?> Input { get; }
    public Dictionary<string, object?> Output { get; } = [];
    public IReadOnlyDictionary<(string ActivityId, int Occurrence), ActivityExecutionRecord> Replay { get; }
    /// <summary>Activities not taken from the cache: those named by <c>--force</c>, their dependants, and those after a damaged artifact.</summary>
    public HashSet<string> Forced { get; }

    /// <summary>Activities downstream of a damaged artifact found in this run: not replayed from this instance's records either.</summary>
    public HashSet<string> Invalidated { get; } = new(StringComparer.Ordinal);

    /// <summary>Records whose artifacts were found damaged in this run (reported once, never checked again).</summary>
    public HashSet<string> DamagedRecords { get; } = new(StringComparer.Ordinal);
    public IProgress<WorkflowEvent>? Events { get; }
    public CancellationToken Token { get; }
    public WorkflowStore Store => Runtime.Store;

    IReadOnlyDictionary<string, object?> IExpressionScope.Input => Input;

    public Expressions.JavaScript.JavaScriptOptions JavaScript => Runtime.Options.JavaScript;

    public IReadOnlyDictionary<string, object?> VariablesByName =>
        Definition.Variables.ToDictionary(v => v.Name, v => _variables.GetValueOrDefault(v.Id));

    public object? GetVariable(string idOrName) =>
        Definition.FindVariable(idOrName) is { } v ? _variables.GetValueOrDefault(v.Id) : _variables.GetValueOrDefault(idOrName);

    public object? GetVariableByName(string name) => GetVariable(name);

    public void SetVariableByName(string name, object? value)
    {
        var v = Definition.FindVariable(name);
        _variables[v?.Id ?? name] = value;
    }

    /// <summary>Writes a variable on behalf of an executing activity; the write is recorded for replay.</summary>
    public void WriteVariable(string variableId, object? value, ActivityExecutionContext context)
    {
        _variables[variableId] = value;
        context.VariableWrites[variableId] = value;
    }

    /// <summary>Re-applies variable writes from a record (replay or cache reuse).</summary>
    public void ApplyVariableWrites(JsonObject writes)
    {
        foreach (var (id, json) in writes)
        {
            var v = Definition.FindVariable(id);
            _variables[v?.Id ?? id] = v is null ? ValueConverter.Unwrap(json) : ValueConverter.FromJson(json, v.TypeName, v.IsArray);
        }
    }

    public string VariablesJson() =>
        new JsonObject(Definition.Variables.Select(v => KeyValuePair.Create(v.Name, ValueConverter.ToJson(_variables.GetValueOrDefault(v.Id))))).ToJsonString();

    public string OutputJson() =>
        new JsonObject(Output.Select(kv => KeyValuePair.Create(kv.Key, ValueConverter.ToJson(kv.Value)))).ToJsonString();

    public int NextOccurrence(string activityId)
    {
        var n = _occurrences.GetValueOrDefault(activityId) + 1;
        _occurrences[activityId] = n;
        return n;
    }

    public void Emit(WorkflowEvent e) => Events?.Report(e);

    public WorkflowExecutionLogRecord Log(string eventName, ActivityNode? node, string? message)
    {
        var entry = new WorkflowExecutionLogRecord
        {
            WorkflowInstanceId = InstanceId, ActivityId = node?.Id, ActivityType = node?.Type, ActivityName = node?.DisplayName,
            Timestamp = DateTimeOffset.UtcNow, Sequence = ++_sequence, EventName = eventName, Message = message,
        };
        _pendingLog.Add(entry);
        return entry;
    }

    /// <summary>The log entries not yet written; they are written with the next record update.</summary>
    public List<WorkflowExecutionLogRecord> DrainLog()
    {
        var list = _pendingLog.ToList();
        _pendingLog.Clear();
        return list;
    }

    public void WriteLine(ActivityNode node, string text)
    {
        Log("Line", node, text);
        Emit(new LineWritten(InstanceId, node.Id, text));
    }

    /// <summary>Runs a child activity (a ForEach body, a nested flowchart).</summary>
    public Task RunChildAsync(ActivityNode child) => new ActivityInvoker(this).InvokeAsync(child);

    public static ActivityInfo Info(ActivityNode node) => new(node.Id, node.DisplayName, node.Type);
}
