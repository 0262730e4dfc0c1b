using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.TestHost;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class CancellationAndLockTests
{
    private static Definitions.WorkflowDefinition SlowPipeline(string tag) => new TestWorkflow()
        .Add("first", "SelfSpec.Test.WriteText", ("text", Lit("first " + tag)))
        .Add("slow", "SelfSpec.Test.WriteText", ("text", Lit("slow " + tag)), ("repeat", Lit(40)), ("delayMs", Lit(25)))
        .Add("last", "SelfSpec.Test.WriteText", ("text", Lit("last " + tag)))
        .Chain("first", "slow", "last")
        .Build("slow-" + tag);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(10);
        }
    }

    private static int Count(string line) => Journal.Lines.Count(l => l == line);

    [Fact]
    public async Task CtrlCCancelsTheRunningActivityMarksTheInstanceCancelledAndResumeFinishesIt()
    {
        using var home = new TestHome();
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var cts = new CancellationTokenSource();
        var events = new EventLog();
        var run = home.Runtime.RunAsync(SlowPipeline(tag), new WorkflowRunOptions { Events = events }, cts.Token);
        await WaitForAsync(() => events.Events.OfType<ActivityProgressed>().Any(p => p.ActivityId == "slow"));
        cts.Cancel();
        var cancelled = await run;
        Assert.Equal(WorkflowStatus.Cancelled, cancelled.Status);
        Assert.Equal(ActivityStatus.Cancelled, cancelled.Records.Single(r => r.ActivityId == "slow").Status);
        Assert.False(Directory.Exists(Path.Combine(home.RunsDirectory, cancelled.InstanceId, "slow")));
        Assert.Equal(WorkflowStatus.Cancelled, home.Store.FindInstance(cancelled.InstanceId)!.Status);

        var resumed = await home.Runtime.ResumeAsync(cancelled.InstanceId);
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal(1, Count($"end first {cancelled.InstanceId}"));
        Assert.Equal(1, Count($"end slow {cancelled.InstanceId}"));
        Assert.Equal(40, File.ReadAllLines(Path.Combine(home.RunsDirectory, cancelled.InstanceId, "slow", "out.txt")).Length);
    }

    [Fact]
    public async Task CancelFromAnotherStoreConnectionStopsTheRun()
    {
        using var home = new TestHome();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var events = new EventLog();
        var run = home.Runtime.RunAsync(SlowPipeline(tag), new WorkflowRunOptions { Events = events });
        await WaitForAsync(() => events.Events.OfType<ActivityStarted>().Any(s => s.Activity.Id == "slow"));
        var id = events.Events.OfType<WorkflowStarted>().Single().InstanceId;

        using var otherStore = WorkflowStore.Open(home.DatabasePath); // as `selfspec runs cancel` would, from another process
        var other = home.NewRuntime(otherStore);
        Assert.True(other.IsExecuting(id));
        Assert.Equal(WorkflowStatus.Running, other.Cancel(id)); // requested; the executing process notices within its poll interval
        var result = await run;
        Assert.Equal(WorkflowStatus.Cancelled, result.Status);
        Assert.False(other.IsExecuting(id));
    }

    [Fact]
    public async Task CancellingAnIdleInstanceMarksItCancelledAtOnce()
    {
        using var home = new TestHome();
        var failing = new TestWorkflow().Add("f", "SelfSpec.Test.Flaky", ("failTimes", Lit(1))).Build();
        var faulted = await home.Runtime.RunAsync(failing);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.Equal(WorkflowStatus.Cancelled, home.Runtime.Cancel(faulted.InstanceId));
        var resumed = await home.Runtime.ResumeAsync(faulted.InstanceId); // Flaky succeeds on its second call
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal([ActivityStatus.Faulted, ActivityStatus.Completed], resumed.Records.Select(r => r.Status));
    }

    [Fact]
    public async Task ASecondRunnerCannotTakeAnExecutingInstance()
    {
        using var home = new TestHome();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var events = new EventLog();
        var run = home.Runtime.RunAsync(SlowPipeline(tag), new WorkflowRunOptions { Events = events, InstanceId = "locked-" + tag });
        await WaitForAsync(() => events.Events.OfType<ActivityStarted>().Any());
        using var otherStore = WorkflowStore.Open(home.DatabasePath);
        var other = home.NewRuntime(otherStore);
        await Assert.ThrowsAsync<WorkflowInstanceLockedException>(() => other.ResumeAsync("locked-" + tag));
        await Assert.ThrowsAsync<WorkflowInstanceLockedException>(() => other.RunAsync(SlowPipeline(tag), new WorkflowRunOptions { InstanceId = "locked-" + tag }));
        Assert.Equal(WorkflowStatus.Finished, (await run).Status);
        Assert.Equal(1, Count($"end slow locked-{tag}"));
    }
}
