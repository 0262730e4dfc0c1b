namespace SelfSpec.Workflows.Activities;

/// <summary>
/// The base of every activity. A fresh instance is created for each attempt; the runtime sets its
/// <see cref="ActivityInputAttribute"/> properties, calls <see cref="ExecuteAsync"/>, then reads its
/// <see cref="ActivityOutputAttribute"/> properties.
/// </summary>
public abstract class WorkflowActivity
{
    /// <summary>Does the activity's work. Throw to fault; observe <see cref="ActivityExecutionContext.CancellationToken"/>.</summary>
    public abstract ValueTask ExecuteAsync(ActivityExecutionContext context);
}
