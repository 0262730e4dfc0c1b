using System.Collections.Concurrent;
using System.Text;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Workflows.TestHost;

/// <summary>Appends "start ID" / "end ID" lines to $SELFSPEC_TEST_JOURNAL so tests can count executions across processes.</summary>
public static class Journal
{
    public static void Write(string line)
    {
        var path = Environment.GetEnvironmentVariable("SELFSPEC_TEST_JOURNAL");
        if (!string.IsNullOrEmpty(path)) File.AppendAllText(path, line + "\n");
        Lines.Enqueue(line);
    }

    /// <summary>In-process copy of the journal.</summary>
    public static ConcurrentQueue<string> Lines { get; } = new();
}

/// <summary>Writes Text repeated Repeat times into out.txt, in chunks, sleeping DelayMs between chunks and reporting progress.</summary>
[Activity("SelfSpec.Test", Description = "Writes text to an artifact")]
public sealed class WriteText : WorkflowActivity
{
    [ActivityInput(Required = true)] public string Text { get; set; } = "";
    [ActivityInput] public int Repeat { get; set; } = 1;
    [ActivityInput] public int DelayMs { get; set; }
    [ActivityOutput] public ArtifactRef? File { get; set; }

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Journal.Write($"start {context.ActivityId} {context.WorkflowInstanceId}");
        var path = context.GetArtifactPath("out.txt");
        await using (var stream = new FileStream(path, FileMode.Create))
        {
            for (var i = 0; i < Repeat; i++)
            {
                var bytes = Encoding.UTF8.GetBytes($"{Text} {i}\n");
                await stream.WriteAsync(bytes, context.CancellationToken);
                await stream.FlushAsync(context.CancellationToken);
                context.Progress.Report(new ActivityProgress(i + 1, Repeat));
                if (DelayMs > 0) await Task.Delay(DelayMs, context.CancellationToken);
            }
        }
        File = context.RegisterArtifact("out.txt");
        Journal.Write($"end {context.ActivityId} {context.WorkflowInstanceId}");
    }
}

/// <summary>Concatenates two artifacts into one.</summary>
[Activity("SelfSpec.Test", Description = "Concatenates two artifacts")]
public sealed class Concat : WorkflowActivity
{
    [ActivityInput(Required = true)] public ArtifactRef? Left { get; set; }
    [ActivityInput(Required = true)] public ArtifactRef? Right { get; set; }
    [ActivityOutput] public ArtifactRef? File { get; set; }

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Journal.Write($"start {context.ActivityId} {context.WorkflowInstanceId}");
        var text = await System.IO.File.ReadAllTextAsync(Left!.Path, context.CancellationToken)
                   + await System.IO.File.ReadAllTextAsync(Right!.Path, context.CancellationToken);
        await System.IO.File.WriteAllTextAsync(context.GetArtifactPath("concat.txt"), text, context.CancellationToken);
        File = context.RegisterArtifact("concat.txt");
        Journal.Write($"end {context.ActivityId} {context.WorkflowInstanceId}");
    }
}

/// <summary>Fails FailTimes times with an IOException (transient), then succeeds.</summary>
[Activity("SelfSpec.Test")]
public sealed class Flaky : WorkflowActivity
{
    private static readonly ConcurrentDictionary<string, int> Calls = new();

    [ActivityInput] public int FailTimes { get; set; }
    [ActivityOutput] public int CallCount { get; set; }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var n = Calls.AddOrUpdate(context.WorkflowInstanceId + "/" + context.ActivityId, 1, (_, c) => c + 1);
        CallCount = n;
        if (n <= FailTimes) throw new IOException($"flaky failure {n}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails every time with a data error of the kind named by Kind (invalid-data or missing-file).</summary>
[Activity("SelfSpec.Test")]
public sealed class BadInput : WorkflowActivity
{
    private static readonly ConcurrentDictionary<string, int> Calls = new();

    [ActivityInput] public string Kind { get; set; } = "invalid-data";

    public static int CallsOf(string instanceId, string activityId) => Calls.GetValueOrDefault(instanceId + "/" + activityId);

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Calls.AddOrUpdate(context.WorkflowInstanceId + "/" + context.ActivityId, 1, (_, c) => c + 1);
        throw Kind == "missing-file" ? new FileNotFoundException("input.parquet not found", "input.parquet") : new InvalidDataException("input.parquet: row 3: field 'score' is not a number");
    }
}

/// <summary>Throws ResourceExhaustedException while BatchSize exceeds MaxFeasible.</summary>
[Activity("SelfSpec.Test")]
public sealed class GpuStep : WorkflowActivity
{
    [ActivityInput, BatchSize] public int BatchSize { get; set; } = 64;
    [ActivityInput] public int MaxFeasible { get; set; } = 64;
    [ActivityOutput] public int UsedBatchSize { get; set; }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Journal.Write($"gpu {context.ActivityId} {BatchSize}");
        if (BatchSize > MaxFeasible) throw new ResourceExhaustedException($"CUDA out of memory at batch {BatchSize}") { BatchSize = BatchSize };
        UsedBatchSize = BatchSize;
        return ValueTask.CompletedTask;
    }
}

/// <summary>Waits until cancelled.</summary>
[Activity("SelfSpec.Test")]
public sealed class WaitForCancel : WorkflowActivity
{
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Journal.Write($"start {context.ActivityId} {context.WorkflowInstanceId}");
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
    }
}

/// <summary>Does nothing (benchmarks and flowchart tests).</summary>
[Activity("SelfSpec.Test")]
public sealed class NoOp : WorkflowActivity
{
    [ActivityInput] public int Index { get; set; }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Journal.Write($"noop {context.ActivityId}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Sleeps DelayMs; never reused from the cache (for schedule tests).</summary>
[Activity("SelfSpec.Test", Cacheable = false)]
public sealed class Sleep : WorkflowActivity
{
    [ActivityInput] public int DelayMs { get; set; } = 1000;

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context) => await Task.Delay(DelayMs, context.CancellationToken);
}
