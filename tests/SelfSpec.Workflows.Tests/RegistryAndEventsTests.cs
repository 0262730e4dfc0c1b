using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.TestHost;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class RegistryAndEventsTests
{
    [Fact]
    public void AttributesDescribeTypeNameVersionPortsAndOutcomes()
    {
        var registry = TestHome.Registry;
        var write = registry.Find("SelfSpec.Test.WriteText")!;
        Assert.Equal(typeof(WriteText), write.ClrType);
        Assert.Equal(["text", "repeat", "delayMs"], write.Inputs.Select(i => i.Name));
        Assert.True(write.Inputs[0].Required);
        Assert.Equal(["file"], write.Outputs.Select(o => o.Name));
        Assert.Equal(["Done"], write.Outcomes);
        Assert.Equal(["True", "False"], registry.Find("Elsa.FlowDecision")!.Outcomes);
        Assert.Equal("batchSize", registry.Find("SelfSpec.Test.GpuStep")!.Inputs.Single(i => i.Property.Name == "BatchSize").Name);
        Assert.NotNull(registry.Find("SelfSpec.Test.GpuStep")!.BatchSizeProperty);
        Assert.False(registry.Find("Elsa.WriteLine")!.Cacheable);
        foreach (var builtIn in new[] { "Elsa.Start", "Elsa.End", "Elsa.FlowDecision", "Elsa.FlowJoin", "Elsa.FlowFork", "Elsa.SetVariable", "Elsa.WriteLine", "Elsa.Cron", "Elsa.ForEach" })
            Assert.True(registry.IsKnown(builtIn), builtIn);
        Assert.True(registry.IsKnown("Elsa.Flowchart"));
        Assert.Null(new ActivityRegistry().Find("SelfSpec.Test.WriteText")); // only what was scanned is registered
    }

    [Fact]
    public async Task EventsDescribeEveryActivityForALiveView()
    {
        using var home = new TestHome();
        var def = new TestWorkflow()
            .Add("w", "SelfSpec.Test.WriteText", ("text", Lit("x")), ("repeat", Lit(4)))
            .Add("say", "Elsa.WriteLine", ("text", Lit("hi")))
            .Chain("w", "say").Build();
        var log = new EventLog();
        var result = await home.Runtime.RunAsync(def, new WorkflowRunOptions { Events = log });
        var kinds = log.Events.Select(e => e.GetType().Name).ToList();
        Assert.Equal("WorkflowStarted", kinds[0]);
        Assert.Equal("WorkflowEnded", kinds[^1]);
        Assert.Equal(["w", "say"], log.Events.OfType<WorkflowStarted>().Single().Activities.Select(a => a.Id));
        Assert.Equal([0.25, 0.5, 0.75, 1.0], log.Events.OfType<ActivityProgressed>().Select(p => p.Progress.Fraction!.Value));
        var ended = log.Events.OfType<ActivityEnded>().First(e => e.Activity.Id == "w");
        Assert.Equal(Path.Combine(home.RunsDirectory, result.InstanceId, "w", "out.txt"), Assert.Single(ended.Artifacts).Path);
        Assert.True(kinds.IndexOf("ActivityStarted") < kinds.IndexOf("ActivityProgressed"));
        Assert.Equal(["hi"], log.Lines);
    }
}
