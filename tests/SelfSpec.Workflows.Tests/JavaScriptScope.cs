using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Expressions.JavaScript;

namespace SelfSpec.Workflows.Tests;

/// <summary>
/// The state an expression is evaluated against — a definition, its variables and a run's input — kept in
/// dictionaries the way the runtime keeps them, so the expression engine can be exercised one expression at a time.
/// </summary>
internal sealed class JavaScriptScope(WorkflowDefinition definition, IReadOnlyDictionary<string, object?>? input = null,
    JavaScriptOptions? options = null) : IExpressionScope
{
    private readonly Dictionary<string, object?> _variables = definition.Variables.ToDictionary(v => v.Name, v => (object?)null);

    public WorkflowDefinition Definition => definition;
    public string InstanceId => "instance-1";
    public JavaScriptOptions JavaScript { get; } = options ?? new JavaScriptOptions();
    public IReadOnlyDictionary<string, object?> Input { get; } = input ?? new Dictionary<string, object?>();
    public IReadOnlyDictionary<string, object?> VariablesByName => _variables;
    public object? GetVariable(string idOrName) =>
        _variables.GetValueOrDefault(definition.FindVariable(idOrName)?.Name ?? idOrName);
    public void SetVariableByName(string name, object? value) => _variables[name] = value;

    /// <summary>Evaluates <paramref name="code"/> as the JavaScript input <c>value</c> of activity <c>probe</c>, converted to <paramref name="typeName"/>.</summary>
    public object? Evaluate(string code, string typeName = "Object", CancellationToken ct = default) =>
        Evaluate(new InputValue(typeName, new Expression("JavaScript", JsonValue.Create(code))), ct);

    public object? Evaluate(InputValue input, CancellationToken ct = default) =>
        ExpressionEvaluator.EvaluateAsync(input, TypeAliases.Resolve(input.TypeName), this, Probe, "value", ct).AsTask().GetAwaiter().GetResult();

    public static readonly ActivityNode Probe = new() { Id = "probe", Type = "Elsa.WriteLine", Name = "Probe" };

    /// <summary>A workflow with the given variables (name, Elsa type) and inputs (name, Elsa type).</summary>
    public static WorkflowDefinition Workflow(IEnumerable<(string Name, string Type)> variables, IEnumerable<(string Name, string Type)>? inputs = null)
    {
        var w = new TestWorkflow();
        foreach (var (name, type) in variables) w.Variable(name, type);
        foreach (var (name, type) in inputs ?? []) w.Input(name, type);
        return w.Add("probe", "Elsa.WriteLine").Build("js-test");
    }
}
