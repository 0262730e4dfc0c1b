namespace SelfSpec.Workflows.Execution;

/// <summary>The base of runtime errors; carries the instance and activity when known.</summary>
public class WorkflowExecutionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowExecutionException(string message, string? instanceId = null, string? activityId = null, Exception? inner = null)
        : base(message, inner)
    {
        InstanceId = instanceId;
        ActivityId = activityId;
    }

    /// <summary>The workflow instance, if known.</summary>
    public string? InstanceId { get; }

    /// <summary>The activity, if known.</summary>
    public string? ActivityId { get; }
}

/// <summary>An activity failed after all its attempts.</summary>
public sealed class ActivityFaultedException(string message, string instanceId, string activityId, Exception inner)
    : WorkflowExecutionException(message, instanceId, activityId, inner);

/// <summary>Another process (or runner) is executing the instance.</summary>
public sealed class WorkflowInstanceLockedException(string instanceId)
    : WorkflowExecutionException($"workflow instance {instanceId} is being executed by another process", instanceId);

/// <summary>Thrown by <c>Elsa.Fault</c>; never retried.</summary>
public sealed class WorkflowFaultException(string message, string? code, string? category) : Exception(message)
{
    /// <summary>The fault code.</summary>
    public string? Code { get; } = code;

    /// <summary>The fault category.</summary>
    public string? Category { get; } = category;
}
