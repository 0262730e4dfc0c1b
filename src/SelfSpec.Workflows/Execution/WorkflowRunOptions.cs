using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Workflows.Execution;

/// <summary>Settings of a <see cref="WorkflowRuntime"/>.</summary>
public sealed class WorkflowRuntimeOptions
{
    /// <summary>Where instance folders go: <c>&lt;RunsDirectory&gt;/&lt;instance&gt;/&lt;activity&gt;/</c>. Default <c>./runs</c>.</summary>
    public string RunsDirectory { get; init; } = Path.GetFullPath("runs");

    /// <summary>Where instance lock files go; default a <c>locks</c> folder beside the database.</summary>
    public string? LocksDirectory { get; init; }

    /// <summary>Named and default resilience strategies.</summary>
    public ResilienceCatalog Resilience { get; init; } = new();

    /// <summary>
    /// How long an activity runs before its Running record is written (zero: at once). Activities that finish sooner
    /// are recorded with a single write at completion.
    /// </summary>
    public TimeSpan RunningRecordDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often an executing instance checks for <c>runs cancel</c> and refreshes its heartbeat.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The sandbox limits of JavaScript expressions.</summary>
    public Expressions.JavaScript.JavaScriptOptions JavaScript { get; init; } = new();
}

/// <summary>Per-run settings.</summary>
public sealed class WorkflowRunOptions
{
    /// <summary>Workflow input by name; strings are converted to the declared input types.</summary>
    public IReadOnlyDictionary<string, object?> Input { get; init; } = new Dictionary<string, object?>();

    /// <summary>Activity ids (or names) to recompute even if cached, together with everything downstream of them.</summary>
    public IReadOnlyCollection<string> Force { get; init; } = [];

    /// <summary>Use this instance id instead of a random one.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The activity that triggered the run (e.g. a Cron trigger); it becomes the start activity.</summary>
    public string? TriggerActivityId { get; init; }

    /// <summary>Receives runtime events synchronously, in order (the CLI's live view).</summary>
    public IProgress<WorkflowEvent>? Events { get; init; }
}

/// <summary>The result of running or resuming an instance.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Status">Its status after this run.</param>
/// <param name="Error">The fault message, if faulted.</param>
/// <param name="Output">The workflow output.</param>
/// <param name="Records">The activity execution records of the instance, in order.</param>
public sealed record WorkflowRunResult(string InstanceId, WorkflowStatus Status, string? Error,
    IReadOnlyDictionary<string, object?> Output, IReadOnlyList<ActivityExecutionRecord> Records);
