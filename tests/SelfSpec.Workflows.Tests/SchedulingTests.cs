using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Scheduling;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class SchedulingTests
{
    private static readonly DateTimeOffset Saturday = new(2026, 11, 21, 10, 0, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("0 0 * * * *", "0 0 * * * ?", "2026-11-21T11:00:00+00:00")]       // every hour (the Elsa fixture)
    [InlineData("0 30 9 * * 1-5", "0 30 9 ? * 2-6", "2026-11-23T09:30:00+00:00")]  // Cronos Mon–Fri → Quartz 2–6; next is Monday
    [InlineData("0 0 12 * * 0", "0 0 12 ? * 1", "2026-11-22T12:00:00+00:00")]      // Sunday is 0 in Cronos, 1 in Quartz
    [InlineData("*/15 * * * * *", "*/15 * * * * ?", "2026-11-21T10:00:45+00:00")]
    [InlineData("0 0 1 1 * *", "0 0 1 1 * ?", "2026-12-01T01:00:00+00:00")]
    [InlineData("5 4 * * *", "0 5 4 * * ?", "2026-11-22T04:05:00+00:00")]          // 5-field standard cron: seconds = 0
    public void ElsaCronIsTranslatedForQuartzAndEvaluatedInUtc(string elsa, string quartz, string next)
    {
        Assert.Equal(quartz, CronSchedule.ToQuartz(elsa));
        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), CronSchedule.NextAfter(elsa, Saturday));
    }

    [Theory]
    [InlineData("not a cron")]
    [InlineData("0 0 * * * FOO")]
    [InlineData("0 0 1 1 * 1")]
    public void InvalidCronIsRejected(string cron) => Assert.Throws<FormatException>(() => CronSchedule.ToQuartz(cron));

    [Fact]
    public void ScheduleAddReadsTheCronTriggerOfTheFixture()
    {
        using var home = new TestHome();
        var def = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__ImportAndPublish__cron-every-hour.json"));
        var added = ScheduledRuns.Add(home.Store, def);
        Assert.Equal("0 0 * * * *", Assert.Single(added).CronExpression);
        Assert.Equal("311cedd544cfe691", home.Store.ListSchedules().Single().DefinitionId);
        Assert.True(home.Store.RemoveSchedule(added[0].Id));
        Assert.Empty(home.Store.ListSchedules());
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task EverySecondScheduleRunsRepeatedlyButNeverOverlaps()
    {
        using var home = new TestHome();
        // Each run takes ~1.5 s while the schedule fires every second: fires during a run must not start a second run.
        var def = new TestWorkflow()
            .Add("cron", "Elsa.Cron", n => n.CustomProperties["canStartWorkflow"] = true, ("cronExpression", Lit("* * * * * *")))
            .Add("work", "SelfSpec.Test.Sleep", ("delayMs", Lit(1500)))
            .Chain("cron", "work")
            .Build("every-second");
        ScheduledRuns.Add(home.Store, def);
        var running = 0;
        var maxConcurrent = 0;
        await using (var scheduler = new WorkflowScheduler(home.Store, async (s, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxConcurrent, now);
            try { await ScheduledRuns.RunAsync(home.Runtime, s, null, ct); }
            finally { Interlocked.Decrement(ref running); }
        }, misfireThreshold: TimeSpan.FromMilliseconds(500)))
        {
            await scheduler.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (home.Store.ListInstances().Count(i => i.Status == WorkflowStatus.Finished) < 3 && DateTime.UtcNow < deadline)
                await Task.Delay(100);
        }
        var instances = home.Store.ListInstances().OrderBy(i => i.CreatedAt).ToList();
        Assert.InRange(instances.Count, 3, 5);
        Assert.Equal(1, maxConcurrent);
        Assert.All(instances, i => Assert.Equal(WorkflowStatus.Finished, i.Status));
        for (var i = 1; i < instances.Count; i++) Assert.True(instances[i].CreatedAt >= instances[i - 1].FinishedAt);
        Assert.Equal(instances[^1].Id, home.Store.ListSchedules().Single().LastInstanceId);
    }

    [Fact]
    public async Task AScheduleThatCameDueWhileNoServerRanFiresOnceAtStart()
    {
        using var home = new TestHome();
        var def = new TestWorkflow()
            .Add("cron", "Elsa.Cron", n => n.CustomProperties["canStartWorkflow"] = true, ("cronExpression", Lit("0 0 0 1 1 *")))
            .Add("say", "Elsa.WriteLine", ("text", Lit("new year")))
            .Chain("cron", "say").Build("yearly");
        var schedule = ScheduledRuns.Add(home.Store, def).Single();
        schedule.CreatedAt = new DateTimeOffset(2020, 6, 1, 0, 0, 0, TimeSpan.Zero);
        schedule.LastFiredAt = schedule.CreatedAt; // missed several new years
        home.Store.SaveSchedule(schedule);
        var fired = new TaskCompletionSource();
        var count = 0;
        await using (var scheduler = new WorkflowScheduler(home.Store, async (s, ct) =>
        {
            Interlocked.Increment(ref count);
            await ScheduledRuns.RunAsync(home.Runtime, s, null, ct);
            fired.TrySetResult();
        }))
        {
            await scheduler.StartAsync();
            await fired.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await Task.Delay(300);
        }
        Assert.Equal(1, count);
        Assert.Equal(WorkflowStatus.Finished, home.Store.ListInstances().Single().Status);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
