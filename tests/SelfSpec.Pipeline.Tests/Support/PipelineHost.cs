using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>A temporary home with a real workflow store and runtime that knows the pipeline's activities.</summary>
internal sealed class PipelineHost : IDisposable
{
    public PipelineHost()
    {
        Dir = new TempDir("selfspec-pipeline-");
        Store = WorkflowStore.Open(Dir.Combine(".selfspec", "workflows.db"));
        Runtime = new WorkflowRuntime(Store, Registry,
            new WorkflowRuntimeOptions { RunsDirectory = Dir.Combine("runs"), PollInterval = TimeSpan.FromMilliseconds(50) });
    }

    public static ActivityRegistry Registry => ActivityRegistry.FromAssemblies(typeof(IngestSeeds).Assembly);

    public TempDir Dir { get; }
    public WorkflowStore Store { get; }
    public WorkflowRuntime Runtime { get; }

    /// <summary>Cancels the runs of <see cref="RunChainAsync"/> (Ctrl-C).</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>Runs a flowchart of the given activities in a chain, binding each listed output to a variable of the same name.</summary>
    public async Task<WorkflowRunResult> RunChainAsync(params (string Id, string Type, (string Name, InputValue Value)[] Inputs, string[] Outputs)[] steps) =>
        await Runtime.RunAsync(Chain(steps), cancellationToken: Cancellation);

    /// <summary>The flowchart <see cref="RunChainAsync"/> runs, for runs with options or cancellation.</summary>
    public static WorkflowDefinition Chain(params (string Id, string Type, (string Name, InputValue Value)[] Inputs, string[] Outputs)[] steps)
    {
        var activities = new List<ActivityNode>();
        var variables = new List<VariableDefinition>();
        foreach (var (id, type, inputs, outputs) in steps)
        {
            var node = new ActivityNode { Id = id, Type = type, Name = id };
            foreach (var (name, value) in inputs) node.SetInput(name, value);
            foreach (var output in outputs)
            {
                variables.Add(new VariableDefinition { Id = "var-" + output, Name = output, TypeName = "Object" });
                node.SetOutputBinding(output, "var-" + output);
            }
            activities.Add(node);
        }
        var connections = steps.Zip(steps.Skip(1), (a, b) => new Connection(a.Id, "Done", b.Id)).ToList();
        var root = new ActivityNode { Id = "root", Type = "Elsa.Flowchart", Name = "Flowchart1", Activities = activities, Connections = connections };
        var definition = new WorkflowDefinition { Id = "pipeline-test-v1", DefinitionId = "pipeline-test", Name = "pipeline-test", Root = root, Variables = variables };
        return WorkflowDefinitionSerializer.Read(WorkflowDefinitionSerializer.Write(definition));
    }

    public static InputValue Lit(object? value, string type = "Object") => new(type, Expression.Literal(value is null ? null : JsonValue.Create(value)));

    /// <summary>An artifact reference to an existing file (path, SHA-256, size), as an upstream activity would hand it over.</summary>
    public static InputValue ArtifactInput(string path)
    {
        var json = new JsonObject
        {
            ["path"] = path,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
            ["size"] = new FileInfo(path).Length,
        };
        return new InputValue("Object", new Expression("Object", JsonValue.Create(json.ToJsonString())));
    }

    public static InputValue Var(string name) => new("Object", new Expression("Variable", JsonValue.Create(name)));

    public static JsonObject Outputs(WorkflowRunResult result, string activityId) =>
        JsonNode.Parse(result.Records.Single(r => r.ActivityId == activityId).OutputsJson)!.AsObject();

    public static string ArtifactPath(WorkflowRunResult result, string activityId, string output) =>
        Outputs(result, activityId)[output]!["path"]!.ToString();

    public void Dispose()
    {
        Store.Dispose();
        Dir.Dispose();
    }
}
