using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;

namespace SelfSpec.Workflows.Validation;

/// <summary>How serious a validation problem is.</summary>
public enum ProblemSeverity
{
    /// <summary>The workflow cannot run as written.</summary>
    Error,
    /// <summary>The workflow runs but probably not as intended.</summary>
    Warning,
}

/// <summary>One problem found in a definition.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="ActivityId">The activity it is about (the flowchart's id for connection problems); null for the workflow.</param>
/// <param name="Field">The field: an input name, <c>type</c>, <c>connections</c>…</param>
/// <param name="Message">What is wrong.</param>
public sealed record ValidationProblem(ProblemSeverity Severity, string? ActivityId, string? Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Severity == ProblemSeverity.Error ? "error" : "warning")}: {(ActivityId is null ? "workflow" : "activity " + ActivityId)}{(Field is null ? "" : $" [{Field}]")}: {Message}";
}

/// <summary>
/// Checks a definition against a registry and reports every problem at once: unknown activity types, missing
/// required inputs, connections to missing activities or ports, unreachable activities, and cycles that are not
/// proper loops (entered other than through their head, or with no way out).
/// </summary>
public static class WorkflowValidator
{
    private static readonly HashSet<string> SupportedSyntaxes = new(StringComparer.Ordinal) { "Literal", "Object", "Variable", "Input", "CSharp", "C#", "JavaScript" };

    /// <summary>Every problem in <paramref name="definition"/>; empty when it is valid.</summary>
    public static IReadOnlyList<ValidationProblem> Validate(WorkflowDefinition definition, ActivityRegistry registry)
    {
        var problems = new List<ValidationProblem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in definition.AllActivities())
        {
            if (!seen.Add(node.Id)) problems.Add(new(ProblemSeverity.Error, node.Id, "id", "duplicate activity id"));
            if (node == definition.Root) { if (!node.IsFlowchart && !registry.IsKnown(node.Type)) UnknownType(problems, node); continue; }
            if (!registry.IsKnown(node.Type)) { UnknownType(problems, node); continue; }
            if (registry.Find(node.Type) is { } descriptor)
                CheckInputs(problems, definition, node, descriptor);
        }
        foreach (var flowchart in definition.AllActivities().Where(a => a.IsFlowchart))
            CheckFlowchart(problems, flowchart, registry);
        return problems;
    }

    private static void UnknownType(List<ValidationProblem> problems, ActivityNode node) =>
        problems.Add(new(ProblemSeverity.Error, node.Id, "type", $"unknown activity type '{node.Type}' (kept as is, but it cannot run)"));

    private static void CheckInputs(List<ValidationProblem> problems, WorkflowDefinition definition, ActivityNode node, ActivityDescriptor descriptor)
    {
        foreach (var port in descriptor.Inputs)
        {
            var input = node.GetInput(port.Name);
            if (input is null)
            {
                if (port.Required) problems.Add(new(ProblemSeverity.Error, node.Id, port.Name, "required input is not set"));
                continue;
            }
            if (!SupportedSyntaxes.Contains(input.Expression.Type))
                problems.Add(new(ProblemSeverity.Error, node.Id, port.Name, $"expression syntax '{input.Expression.Type}' is not supported"));
            else if (input.Expression.Type == "Literal" && input.Expression.Value is null && port.Required)
                problems.Add(new(ProblemSeverity.Error, node.Id, port.Name, "required input is empty"));
            else if (input.Expression.Type == "JavaScript" && Expressions.JavaScript.JavaScriptEvaluator.SyntaxError(input.Expression.ValueText ?? "") is { } error)
                problems.Add(new(ProblemSeverity.Error, node.Id, port.Name, error));
        }
        foreach (var port in descriptor.Outputs)
            if (node.GetOutputBinding(port.Name) is { } variableId && definition.FindVariable(variableId) is null)
                problems.Add(new(ProblemSeverity.Error, node.Id, port.Name, $"output is bound to unknown variable '{variableId}'"));
    }

    private static void CheckFlowchart(List<ValidationProblem> problems, ActivityNode flowchart, ActivityRegistry registry)
    {
        var graph = new FlowchartGraph(flowchart);
        foreach (var c in graph.Dangling)
        {
            var missing = graph.Nodes.ContainsKey(c.Source) ? c.Target : c.Source;
            problems.Add(new(ProblemSeverity.Error, flowchart.Id, "connections", $"connection {c} refers to missing activity '{missing}'"));
        }
        foreach (var c in graph.Connections)
        {
            if (c.TargetPort != "In")
                problems.Add(new(ProblemSeverity.Error, c.Target, "connections", $"connection {c} enters unknown port '{c.TargetPort}' (activities have only 'In')"));
            var source = graph.Nodes[c.Source];
            if (FlowchartTypes.IsTerminal(source.Type))
                problems.Add(new(ProblemSeverity.Error, c.Source, "connections", $"connection {c} leaves a terminal activity, which has no outcome port"));
            else if (registry.Find(source.Type) is { } d && source.Type != "Elsa.FlowFork" && !d.Outcomes.Contains(c.SourcePort, StringComparer.Ordinal))
                problems.Add(new(ProblemSeverity.Error, c.Source, "connections",
                    $"connection {c} leaves unknown port '{c.SourcePort}' (ports: {string.Join(", ", d.Outcomes)})"));
        }
        var reachable = graph.Reachable();
        foreach (var entry in graph.Nodes.Values.Where(n => n.CanStartWorkflow && !reachable.Contains(n.Id)))
            foreach (var id in new FlowchartGraph(flowchart, entry.Id).Reachable()) reachable.Add(id);
        foreach (var node in flowchart.Activities ?? [])
            if (!reachable.Contains(node.Id))
                problems.Add(new(ProblemSeverity.Error, node.Id, null, $"unreachable: no path leads here from the start activity '{graph.Start?.Id}'"));
        foreach (var back in graph.BackEdges)
        {
            if (!graph.IsProperLoop(back))
            {
                problems.Add(new(ProblemSeverity.Error, back.Source, "connections",
                    $"cycle without a loop construct: {back} jumps into the middle of a path that can be entered elsewhere"));
                continue;
            }
            var body = graph.LoopBody(back);
            var hasExit = body.Any(id => graph.OutgoingOf(id).Any(c => !body.Contains(c.Target))
                                         || registry.Find(graph.Nodes[id].Type)?.Outcomes.Count > 1);
            if (!hasExit)
                problems.Add(new(ProblemSeverity.Error, back.Source, "connections",
                    $"cycle without a loop construct: the loop closed by {back} has no decision or exit, so it never ends"));
        }
    }
}
