using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Activities.BuiltIn;

/// <summary><c>Elsa.WriteLine</c>: writes a line to the execution log (the CLI prints it).</summary>
[Activity("Elsa", Category = "Primitives", Description = "Writes a line of text.", Cacheable = false)]
public sealed class WriteLine : WorkflowActivity
{
    /// <summary>The text.</summary>
    [ActivityInput] public string? Text { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Log(Text ?? "");
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.SetVariable</c>: assigns <c>value</c> to the variable described by the plain <c>variable</c> property.</summary>
[Activity("Elsa", Category = "Primitives", Description = "Sets a variable.", Cacheable = false)]
public sealed class SetVariable : WorkflowActivity
{
    /// <summary>The value.</summary>
    [ActivityInput] public object? Value { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var reference = context.Node.GetRaw("variable") switch
        {
            System.Text.Json.Nodes.JsonObject o => (o["id"] ?? o["name"])?.ToString(),
            System.Text.Json.Nodes.JsonValue v => v.ToString(),
            _ => null,
        } ?? throw new InvalidOperationException("SetVariable has no 'variable'");
        var variable = context.Execution.Definition.FindVariable(reference)
            ?? throw new InvalidOperationException($"SetVariable refers to unknown variable '{reference}'");
        context.SetVariable(variable.Id, ValueConverter.Convert(Value, TypeAliases.Resolve(variable.TypeName, variable.IsArray)));
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.SetOutput</c>: sets a workflow output.</summary>
[Activity("Elsa", Category = "Primitives", Description = "Sets a workflow output.", Cacheable = false)]
public sealed class SetOutput : WorkflowActivity
{
    /// <summary>The output name.</summary>
    [ActivityInput(Required = true)] public string OutputName { get; set; } = "";
    /// <summary>The value.</summary>
    [ActivityInput] public object? OutputValue { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Execution.Output[OutputName] = OutputValue;
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.Cron</c>: a trigger; <c>selfspec schedule</c>/<c>server</c> start the workflow on its 6-field UTC cron expression.</summary>
[Activity("Elsa", Category = "Scheduling", Description = "Starts the workflow on a cron schedule.", Cacheable = false)]
public sealed class Cron : WorkflowActivity
{
    /// <summary>The 6-field cron expression (seconds first), UTC.</summary>
    [ActivityInput(Required = true)] public string CronExpression { get; set; } = "";

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) => ValueTask.CompletedTask;
}

/// <summary>
/// <c>Elsa.Delay</c>: waits for <c>timeSpan</c>, reporting progress each second. (Elsa suspends on a bookmark;
/// this runtime keeps the run going, so a long delay belongs in a schedule instead.)
/// </summary>
[Activity("Elsa", Category = "Scheduling", Description = "Waits for a time span.", Cacheable = false)]
public sealed class Delay : WorkflowActivity
{
    /// <summary>How long to wait, e.g. <c>00:00:05</c>.</summary>
    [ActivityInput(Required = true)] public TimeSpan TimeSpan { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var total = TimeSpan.TotalSeconds;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan)
        {
            context.Progress.Report(new ActivityProgress(Math.Round(clock.Elapsed.TotalSeconds), total, $"{clock.Elapsed.TotalSeconds:0}/{total:0} s"));
            var left = TimeSpan - clock.Elapsed;
            await Task.Delay(left < System.TimeSpan.FromSeconds(1) ? left : System.TimeSpan.FromSeconds(1), context.CancellationToken).ConfigureAwait(false);
        }
        context.Progress.Report(new ActivityProgress(total, total));
    }
}
