using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Validation;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class ValidationTests
{
    [Theory]
    [InlineData("ExplicitJoins__join-all-1")]
    [InlineData("JoinBehaviors__fork-decision-join-waitall")]
    [InlineData("ImportAndExecute__implicit-loop")]
    [InlineData("ImportAndPublish__cron-every-hour")]
    public void FixturesUsingOnlyBuiltInsAreValid(string name)
    {
        var def = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", $"elsa-core-3.7.1__{name}.json"));
        Assert.Empty(WorkflowValidator.Validate(def, TestHome.Registry));
    }

    [Fact]
    public void FixturesWithActivitiesWeDoNotHaveReportEachUnknownType()
    {
        var http = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__HttpWorkflows__http-hello-world.json"));
        var problems = WorkflowValidator.Validate(http, TestHome.Registry);
        Assert.Equal(["3048105347912af5", "90c3d3b2ea1f6ddc"], problems.Where(p => p.Field == "type").Select(p => p.ActivityId).Order());
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceWithActivityAndField()
    {
        var def = new TestWorkflow()
            .Add("start", "Elsa.Start")
            .Add("mystery", "Acme.DoesNotExist")
            .Add("decide", "Elsa.FlowDecision") // required 'condition' missing
            .Add("a", "Elsa.WriteLine", ("text", Lit("a")))
            .Add("b", "Elsa.WriteLine", ("text", Lit("b")))
            .Add("island", "Elsa.WriteLine", ("text", Lit("never reached")))
            .Add("spin1", "Elsa.WriteLine", ("text", Lit("1")))
            .Add("spin2", "Elsa.WriteLine", ("text", Lit("2")))
            .Connect("start", "mystery").Connect("mystery", "decide")
            .Connect("decide", "a", "True").Connect("decide", "b", "Maybe")
            .Connect("a", "ghost")
            .Connect("a", "spin1").Connect("spin1", "spin2").Connect("spin2", "spin1") // loop with no exit
            .Build();
        var problems = WorkflowValidator.Validate(def, TestHome.Registry);
        var text = string.Join("\n", problems);
        Assert.Contains(problems, p => p is { ActivityId: "mystery", Field: "type" });
        Assert.Contains(problems, p => p is { ActivityId: "decide", Field: "condition" });
        Assert.Contains(problems, p => p.ActivityId == "decide" && p.Message.Contains("'Maybe'"));
        Assert.Contains(problems, p => p.Field == "connections" && p.Message.Contains("missing activity 'ghost'"));
        Assert.Contains(problems, p => p.ActivityId == "island" && p.Message.StartsWith("unreachable"));
        Assert.Contains(problems, p => p.ActivityId == "spin2" && p.Message.Contains("cycle without a loop construct"));
        Assert.DoesNotContain(problems, p => p.ActivityId is "a" or "b" or "start");
        Assert.True(problems.Count >= 6, text);
    }

    [Fact]
    public void ACycleEnteredFromTwoPlacesIsNotALoop()
    {
        // start → x → y → x, and start → y: y can be reached without passing x, so y → x is not a loop-back of a proper loop.
        var def = new TestWorkflow()
            .Add("start", "Elsa.FlowFork", ("branches", Lit("p,q")))
            .Add("x", "Elsa.FlowDecision", ("condition", Lit(true, "Boolean")))
            .Add("y", "Elsa.WriteLine", ("text", Lit("y")))
            .Add("out", "Elsa.WriteLine", ("text", Lit("out")))
            .Connect("start", "x", "p").Connect("start", "y", "q").Connect("x", "y", "True").Connect("y", "x").Connect("x", "out", "False")
            .Build();
        var problems = WorkflowValidator.Validate(def, TestHome.Registry);
        Assert.Contains(problems, p => p.Message.Contains("cycle without a loop construct"));
    }
}
