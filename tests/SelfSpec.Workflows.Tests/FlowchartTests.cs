using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class FlowchartTests
{
    private static async Task<(WorkflowRunResult Result, EventLog Log)> RunAsync(WorkflowDefinition definition, IReadOnlyDictionary<string, object?>? input = null)
    {
        using var home = new TestHome();
        var log = new EventLog();
        var result = await home.Runtime.RunAsync(definition, new WorkflowRunOptions { Events = log, Input = input ?? new Dictionary<string, object?>() });
        return (result, log);
    }

    private static WorkflowDefinition Fixture(string name) =>
        WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", $"elsa-core-3.7.1__{name}.json"));

    [Fact]
    public async Task JoinAllFixtureRunsBothBranchesThenTheJoinOnce()
    {
        var (result, log) = await RunAsync(Fixture("ExplicitJoins__join-all-1"));
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["Start", "Line 1", "Line 2", "End"], log.Lines);
    }

    [Fact]
    public async Task ForkDecisionWaitAllFixtureTakesTheFalseBranchFaultsAndSkipsTheJoin()
    {
        // A forks to C, B, D; D → decision (false) → Fault; E is skipped, so the WaitAll join (B, C, E) is skipped and F never runs.
        var (result, log) = await RunAsync(Fixture("JoinBehaviors__fork-decision-join-waitall"));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("that went south", result.Error);
        Assert.Equal(["A", "C", "B", "D"], log.Lines);
        Assert.Contains("af2cc31d1cef7a90", log.Ended(ActivityOutcomeKind.Skipped)); // E
        var faulted = result.Records.Single(r => r.Status == ActivityStatus.Faulted);
        Assert.Equal("Elsa.Fault", faulted.ActivityType);
        Assert.Contains("WorkflowFaultException", faulted.ErrorDetail);
    }

    [Fact]
    public async Task ImplicitLoopFixtureLoopsUntilTheCounterPassesOne()
    {
        var (result, log) = await RunAsync(Fixture("ImportAndExecute__implicit-loop"));
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["Do something", "Retry", "Do something", "Done"], log.Lines);
        Assert.Equal(2, result.Records.Count(r => r.ActivityId == "SetVariable1" && r.Status == ActivityStatus.Completed));
    }

    [Fact]
    public async Task CronFixtureStartsAtTheTriggerAndWritesItsLine()
    {
        var (result, log) = await RunAsync(Fixture("ImportAndPublish__cron-every-hour"));
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["Hello every hour"], log.Lines);
        Assert.Equal("Elsa.Cron", result.Records[0].ActivityType);
    }

    [Fact]
    public async Task UnknownActivityTypeFaultsWithItsId()
    {
        var (result, _) = await RunAsync(Fixture("ParentChildOutputMapping__consumer"));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("unknown activity type 'Producer'", result.Error);
    }

    [Fact]
    public async Task DecisionOnCSharpExpressionOverWorkflowInputSelectsTheBranch()
    {
        var def = new TestWorkflow().Input("Threshold", "Int32")
            .Add("start", "Elsa.Start")
            .Add("decide", "Elsa.FlowDecision", ("condition", CSharp("(int)Input.Threshold > 10", "Boolean")))
            .Add("yes", "Elsa.WriteLine", ("text", Lit("big")))
            .Add("no", "Elsa.WriteLine", ("text", CSharp("$\"small {Input.Threshold}\"", "String")))
            .Add("after", "Elsa.WriteLine", ("text", Lit("after")))
            .Connect("start", "decide").Connect("decide", "yes", "True").Connect("decide", "no", "False")
            .Connect("yes", "after").Connect("no", "after")
            .Build();
        var (big, bigLog) = await RunAsync(def, new Dictionary<string, object?> { ["Threshold"] = "11" });
        Assert.Equal(["big", "after"], bigLog.Lines);
        var (_, smallLog) = await RunAsync(def, new Dictionary<string, object?> { ["Threshold"] = "3" });
        Assert.Equal(["small 3", "after"], smallLog.Lines); // the implicit join runs "after" once: one branch followed, one skipped
        Assert.Equal(WorkflowStatus.Finished, big.Status);
    }

    [Fact]
    public async Task WaitAnyJoinRunsOnceOnTheFirstBranch()
    {
        var def = new TestWorkflow()
            .Add("fork", "Elsa.FlowFork", ("branches", Lit("[\"a\",\"b\"]")))
            .Add("a", "Elsa.WriteLine", ("text", Lit("a")))
            .Add("b", "Elsa.WriteLine", ("text", Lit("b")))
            .Add("join", "Elsa.FlowJoin", ("mode", Lit("WaitAny")))
            .Add("after", "Elsa.WriteLine", ("text", Lit("joined")))
            .Connect("fork", "a", "a").Connect("fork", "b", "b").Connect("a", "join").Connect("b", "join").Connect("join", "after")
            .Build();
        var (result, log) = await RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["a", "joined"], log.Lines); // b was still pending when a reached the join: dropped, as Elsa cancels it
        Assert.Contains("b", log.Ended(ActivityOutcomeKind.Cancelled));
    }

    [Fact]
    public async Task EndCompletesTheFlowchartAtOnce()
    {
        var def = new TestWorkflow()
            .Add("fork", "Elsa.FlowFork", ("branches", Lit("x,y")))
            .Add("end", "Elsa.End")
            .Add("late", "Elsa.WriteLine", ("text", Lit("never")))
            .Connect("fork", "end", "x").Connect("fork", "late", "y")
            .Build();
        var (result, log) = await RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public async Task SetVariableAndJavaScriptAndVariableExpressions()
    {
        var def = new TestWorkflow().Variable("Name", "String", "world").Variable("Count", "Int32", "5")
            .Add("set", "Elsa.SetVariable", n => n.Properties["variable"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "var-Count", ["name"] = "Count" },
                ("value", Js("getCount() * 2 + 1")))
            .Add("say", "Elsa.WriteLine", ("text", CSharp("$\"hello {Variables.Name} {Variables.Count}\"", "String")))
            .Add("raw", "Elsa.WriteLine", ("text", Var("Count")))
            .Chain("set", "say", "raw")
            .Build();
        var (result, log) = await RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["hello world 11", "11"], log.Lines);
        Assert.Equal(2, result.Records.Count(r => r.Status == ActivityStatus.Completed && r.ActivityType == "Elsa.WriteLine"));
    }

    [Fact]
    public async Task ForEachRunsItsBodyPerItemWithTheCurrentValueBound()
    {
        var def = new TestWorkflow().Variable("Item", "Object")
            .Add("loop", "Elsa.ForEach", n =>
            {
                n.SetOutputBinding("currentValue", "var-Item");
                n.Children["body"] = new ActivityNode { Id = "body", Type = "Elsa.WriteLine", Name = "body" };
                n.Children["body"].SetInput("text", CSharp("$\"item {Variables.Item}\"", "String"));
                n.Properties["body"] = null;
            }, ("items", new InputValue("Object", new Expression("Object", System.Text.Json.Nodes.JsonValue.Create("[1,2,3]")))))
            .Add("after", "Elsa.WriteLine", ("text", Lit("done")))
            .Chain("loop", "after")
            .Build();
        var (result, log) = await RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["item 1", "item 2", "item 3", "done"], log.Lines);
    }

    [Fact]
    public async Task BadExpressionFaultsWithActivityAndField()
    {
        var def = new TestWorkflow().Add("w", "Elsa.WriteLine", ("text", CSharp("this does not compile", "String"))).Build();
        var (result, _) = await RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("(w)", result.Error);
        Assert.Contains("input 'text'", result.Error);
    }

    [Fact]
    public async Task AnInputThatEvaluatesToNullKeepsTheActivitysDefault()
    {
        // getInput("repeat") is null when the caller leaves the workflow input out: WriteText keeps Repeat = 1 instead of 0.
        var definition = new TestWorkflow()
            .Input("repeat", "Int32")
            .Add("w", "SelfSpec.Test.WriteText", ("text", Lit("hello")), ("repeat", Js("getInput(\"repeat\")", "Int32")))
            .Variable("File")
            .Bind("w", "file", "File")
            .Build();
        using var home = new TestHome();
        var defaults = await home.Runtime.RunAsync(definition);
        Assert.Equal(WorkflowStatus.Finished, defaults.Status);
        var file = System.Text.Json.Nodes.JsonNode.Parse(defaults.Records.Single(r => r.ActivityId == "w").OutputsJson)!["file"]!["path"]!.ToString();
        Assert.Equal("hello 0\n", File.ReadAllText(file));

        var given = await home.Runtime.RunAsync(definition, new WorkflowRunOptions { Input = new Dictionary<string, object?> { ["repeat"] = "2" } });
        var file2 = System.Text.Json.Nodes.JsonNode.Parse(given.Records.Single(r => r.ActivityId == "w").OutputsJson)!["file"]!["path"]!.ToString();
        Assert.Equal("hello 0\nhello 1\n", File.ReadAllText(file2));
    }
}
