using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.TestHost;

namespace SelfSpec.Workflows.Tests;

/// <summary>Builds small flowcharts in code.</summary>
internal sealed class TestWorkflow
{
    private readonly List<ActivityNode> _activities = [];
    private readonly List<Connection> _connections = [];
    private readonly List<VariableDefinition> _variables = [];
    private readonly List<WorkflowPortDefinition> _inputs = [];

    public static InputValue Lit(object? value, string type = "Object") => new(type, Expression.Literal(value is null ? null : JsonValue.Create(value)));
    public static InputValue CSharp(string code, string type = "Object") => new(type, Expression.CSharp(code));
    public static InputValue Js(string code, string type = "Object") => new(type, new Expression("JavaScript", JsonValue.Create(code)));
    public static InputValue Var(string name) => new("Object", new Expression("Variable", JsonValue.Create(name)));

    public TestWorkflow Variable(string name, string type = "Object", string? value = null)
    {
        _variables.Add(new VariableDefinition { Id = "var-" + name, Name = name, TypeName = type, Value = value });
        return this;
    }

    public TestWorkflow Input(string name, string type) { _inputs.Add(new WorkflowPortDefinition { Name = name, Type = type, Json = new JsonObject { ["name"] = name, ["type"] = type } }); return this; }

    public TestWorkflow Add(string id, string type, params (string Name, InputValue Value)[] inputs) => Add(id, type, null, inputs);

    public TestWorkflow Add(string id, string type, Action<ActivityNode>? configure, params (string Name, InputValue Value)[] inputs)
    {
        var node = new ActivityNode { Id = id, Type = type, Name = id };
        foreach (var (name, value) in inputs) node.SetInput(name, value);
        configure?.Invoke(node);
        _activities.Add(node);
        return this;
    }

    public TestWorkflow Bind(string activityId, string output, string variable)
    {
        _activities.Single(a => a.Id == activityId).SetOutputBinding(output, "var-" + variable);
        return this;
    }

    public TestWorkflow Connect(string source, string target, string port = "Done")
    {
        _connections.Add(new Connection(source, port, target));
        return this;
    }

    /// <summary>Connects the activities in a chain a → b → c.</summary>
    public TestWorkflow Chain(params string[] ids)
    {
        for (var i = 1; i < ids.Length; i++) Connect(ids[i - 1], ids[i]);
        return this;
    }

    public WorkflowDefinition Build(string name = "test")
    {
        var root = new ActivityNode { Id = "root", Type = "Elsa.Flowchart", Name = "Flowchart1", Activities = _activities, Connections = _connections };
        var def = new WorkflowDefinition { Id = name + "-v1", DefinitionId = name, Name = name, Root = root, Variables = _variables, Inputs = _inputs };
        // Round-trip through JSON so every test also exercises the reader and writer.
        return WorkflowDefinitionSerializer.Read(WorkflowDefinitionSerializer.Write(def));
    }
}

/// <summary>A temporary home with a store and a runtime that knows the test activities.</summary>
internal sealed class TestHome : IDisposable
{
    public TestHome()
    {
        Dir = new TempDir("selfspec-wf-");
        Store = WorkflowStore.Open(DatabasePath);
        Runtime = NewRuntime(Store);
    }

    public TempDir Dir { get; }
    public string DatabasePath => Dir.Combine(".selfspec", "workflows.db");
    public string RunsDirectory => Dir.Combine("runs");
    public WorkflowStore Store { get; }
    public WorkflowRuntime Runtime { get; }

    public WorkflowRuntime NewRuntime(WorkflowStore store, WorkflowRuntimeOptions? options = null) =>
        new(store, ActivityRegistry.FromAssemblies(typeof(WriteText).Assembly),
            options ?? new WorkflowRuntimeOptions { RunsDirectory = RunsDirectory, PollInterval = TimeSpan.FromMilliseconds(50) });

    public static ActivityRegistry Registry => ActivityRegistry.FromAssemblies(typeof(WriteText).Assembly);

    public void Dispose()
    {
        Store.Dispose();
        Dir.Dispose();
    }
}

/// <summary>Collects events synchronously.</summary>
internal sealed class EventLog : IProgress<WorkflowEvent>
{
    private readonly List<WorkflowEvent> _events = [];

    /// <summary>A snapshot: the runtime may be adding events on another thread while a test polls.</summary>
    public List<WorkflowEvent> Events { get { lock (_events) return [.. _events]; } }

    public void Report(WorkflowEvent value) { lock (_events) _events.Add(value); }
    public List<string> Lines => Events.OfType<LineWritten>().Select(l => l.Text).ToList();
    public List<string> Ended(ActivityOutcomeKind kind) => Events.OfType<ActivityEnded>().Where(e => e.Kind == kind).Select(e => e.Activity.Id).ToList();
}
