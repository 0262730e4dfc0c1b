using System.Collections;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Activities.BuiltIn;

/// <summary><c>Elsa.Start</c>: where a flowchart begins.</summary>
[Activity("Elsa", Category = "Flow", Description = "The start of a flowchart.", Cacheable = false)]
public sealed class Start : WorkflowActivity
{
    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) => ValueTask.CompletedTask;
}

/// <summary><c>Elsa.End</c>: completes the flowchart at once.</summary>
[Activity("Elsa", Category = "Flow", Description = "Completes the flowchart.", Cacheable = false)]
public sealed class End : WorkflowActivity
{
    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) => ValueTask.CompletedTask;
}

/// <summary><c>Elsa.FlowDecision</c>: follows <c>True</c> or <c>False</c>.</summary>
[Activity("Elsa", Category = "Branching", Description = "Follows True or False depending on a condition.", Outcomes = ["True", "False"], Cacheable = false)]
public sealed class FlowDecision : WorkflowActivity
{
    /// <summary>The condition.</summary>
    [ActivityInput(Required = true)] public bool Condition { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.SetOutcomes(Condition ? "True" : "False");
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.FlowFork</c>: follows every outcome named in <c>branches</c>.</summary>
[Activity("Elsa", Category = "Branching", Description = "Follows several outcomes at once.", Cacheable = false)]
public sealed class FlowFork : WorkflowActivity
{
    /// <summary>The outcome names to follow (a JSON array or comma-separated text).</summary>
    [ActivityInput] public object? Branches { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var names = Branches switch
        {
            null => [],
            string s when s.TrimStart().StartsWith('[') => (JsonNode.Parse(s) as JsonArray ?? []).Select(n => n?.ToString() ?? "").ToArray(),
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            JsonArray a => a.Select(n => n?.ToString() ?? "").ToArray(),
            IEnumerable e => e.Cast<object?>().Select(o => ValueConverter.Unwrap(o)?.ToString() ?? "").ToArray(),
            var other => [other.ToString() ?? ""],
        };
        context.SetOutcomes(names.Length == 0 ? ["Done"] : names);
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.FlowJoin</c>: merges branches (WaitAny, WaitAll, WaitAllActive); the flowchart executor applies the mode.</summary>
[Activity("Elsa", Category = "Branching", Description = "Waits for incoming branches.", Cacheable = false)]
public sealed class FlowJoin : WorkflowActivity
{
    /// <summary>WaitAny (default), WaitAll or WaitAllActive.</summary>
    [ActivityInput(Choices = ["WaitAny", "WaitAll"])] public string Mode { get; set; } = "WaitAny";

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) => ValueTask.CompletedTask;
}

/// <summary><c>Elsa.ForEach</c>: runs <c>body</c> once per item, binding <c>currentValue</c> to its variable each time.</summary>
[Activity("Elsa", Category = "Looping", Description = "Runs the body for each item.", Cacheable = false)]
public sealed class ForEach : WorkflowActivity, ICompositeActivity
{
    /// <summary>The items (a collection, or JSON array text).</summary>
    [ActivityInput(Required = true)] public object? Items { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var items = Items switch
        {
            null => [],
            string s when s.TrimStart().StartsWith('[') => (JsonNode.Parse(s) as JsonArray ?? []).Select(ValueConverter.Unwrap).ToList(),
            string s => [s],
            JsonArray a => a.Select(ValueConverter.Unwrap).ToList(),
            IEnumerable e => e.Cast<object?>().Select(ValueConverter.Unwrap).ToList(),
            var other => [other],
        };
        var binding = context.Node.GetOutputBinding("currentValue");
        context.Node.Children.TryGetValue("body", out var body);
        foreach (var item in items)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (binding is not null) context.SetVariable(binding, item);
            if (body is not null) await context.Execution.RunChildAsync(body).ConfigureAwait(false);
        }
    }
}

/// <summary><c>Elsa.Fault</c>: faults the workflow with a message.</summary>
[Activity("Elsa", Category = "Primitives", Description = "Faults the workflow.", Cacheable = false)]
public sealed class Fault : WorkflowActivity
{
    /// <summary>An error code.</summary>
    [ActivityInput] public string? Code { get; set; }
    /// <summary>An error category.</summary>
    [ActivityInput] public string? Category { get; set; }
    /// <summary>The message.</summary>
    [ActivityInput] public string? Message { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) =>
        throw new WorkflowFaultException(Message ?? "fault", Code, Category);
}
