using Quartz;
using Quartz.Extensibility;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Workflows.Scheduling;

/// <summary>
/// Runs the stored <see cref="ScheduleRecord"/>s on Quartz (in-memory store, rebuilt from the database on start and
/// on every <see cref="SyncAsync"/>). All schedules of one definition share one Quartz job marked
/// <see cref="DisallowConcurrentExecutionAttribute"/>, so runs of a definition never overlap; a fire that comes due
/// while a run is still going (or while the server was down) is a misfire and runs once, as soon as possible.
/// </summary>
public sealed class WorkflowScheduler : IAsyncDisposable
{
    private const string ScheduleIdKey = "scheduleId";
    private readonly WorkflowStore _store;
    private readonly Func<ScheduleRecord, CancellationToken, Task> _run;
    private readonly TimeSpan _misfireThreshold;
    private StandaloneSchedulerFactory? _factory;
    private IScheduler? _scheduler;
    private readonly Dictionary<string, string> _loaded = new(StringComparer.Ordinal); // schedule id → cron

    /// <summary>Creates a scheduler; <paramref name="run"/> starts one workflow run for a due schedule and returns when it ends.</summary>
    public WorkflowScheduler(WorkflowStore store, Func<ScheduleRecord, CancellationToken, Task> run, TimeSpan? misfireThreshold = null)
    {
        _store = store;
        _run = run;
        _misfireThreshold = misfireThreshold ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Starts Quartz, loads every schedule and fires once each schedule that came due while no server ran.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _factory = QuartzSchedulerBuilder.Create(q => q
            .ConfigureScheduler(o => o.InstanceName = "selfspec-" + Guid.NewGuid().ToString("N"))
            .UseDefaultThreadPool(maxConcurrency: 4)
            .UseInMemoryStore(o => o.MisfireThreshold = _misfireThreshold)
            .UseJobFactory(new JobFactory(this))).Build();
        _scheduler = await _factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await SyncCoreAsync(catchUp: true, cancellationToken).ConfigureAwait(false);
        await _scheduler.Start(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings Quartz in line with the stored schedules (added, removed or changed since the last call).</summary>
    public Task SyncAsync(CancellationToken cancellationToken = default) => SyncCoreAsync(catchUp: false, cancellationToken);

    private async Task SyncCoreAsync(bool catchUp, CancellationToken cancellationToken)
    {
        var scheduler = _scheduler ?? throw new InvalidOperationException("call StartAsync first");
        var schedules = _store.ListSchedules().ToDictionary(s => s.Id);
        foreach (var gone in _loaded.Keys.Where(id => !schedules.TryGetValue(id, out var s) || s.CronExpression != _loaded[id]).ToList())
        {
            await scheduler.UnscheduleJob(new TriggerKey(gone), cancellationToken).ConfigureAwait(false);
            _loaded.Remove(gone);
        }
        foreach (var s in schedules.Values.Where(s => !_loaded.ContainsKey(s.Id)))
        {
            var job = JobBuilder.Create<ScheduledRunJob>().WithIdentity(new JobKey(s.DefinitionId)).StoreDurably().Build();
            if (!await scheduler.Exists(job.Key, cancellationToken).ConfigureAwait(false))
                await scheduler.AddJob(job, cancellationToken: cancellationToken).ConfigureAwait(false);
            var trigger = TriggerBuilder.Create()
                .WithIdentity(new TriggerKey(s.Id))
                .ForJob(job.Key)
                .UsingJobData(ScheduleIdKey, s.Id)
                .WithCronSchedule(CronSchedule.ToQuartz(s.CronExpression), b => b.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
            _loaded[s.Id] = s.CronExpression;
            if (catchUp && CronSchedule.NextAfter(s.CronExpression, s.LastFiredAt ?? s.CreatedAt) is { } due && due < DateTimeOffset.UtcNow - _misfireThreshold)
                await scheduler.TriggerJob(job.Key, new JobDataMap { [ScheduleIdKey] = s.Id }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops Quartz, waiting for running workflow runs to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null) await _scheduler.Shutdown(waitForJobsToComplete: true).ConfigureAwait(false);
        if (_factory is not null) await _factory.DisposeAsync().ConfigureAwait(false);
    }

    private async Task FireAsync(string scheduleId, CancellationToken cancellationToken)
    {
        var schedule = _store.ListSchedules().FirstOrDefault(s => s.Id == scheduleId);
        if (schedule is null) return; // removed since it was loaded
        schedule.LastFiredAt = DateTimeOffset.UtcNow;
        _store.SaveSchedule(schedule);
        await _run(schedule, cancellationToken).ConfigureAwait(false);
    }

    [DisallowConcurrentExecution]
    private sealed class ScheduledRunJob(WorkflowScheduler owner) : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
            await owner.FireAsync(context.MergedJobDataMap.GetString(ScheduleIdKey)!, cancellationToken).ConfigureAwait(false);
    }

    private sealed class JobFactory(WorkflowScheduler owner) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(new ScheduledRunJob(owner), null!));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
