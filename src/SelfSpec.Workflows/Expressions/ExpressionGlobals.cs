using System.Dynamic;

namespace SelfSpec.Workflows.Expressions;

/// <summary>What C# expressions see: <c>Variables.X</c>, <c>Input.X</c> and <c>Get("X")</c> (variable, else input).</summary>
public sealed class ExpressionGlobals
{
    private readonly IDictionary<string, object?> _variables;
    private readonly IDictionary<string, object?> _input;

    internal ExpressionGlobals(IReadOnlyDictionary<string, object?> variables, IReadOnlyDictionary<string, object?> input)
    {
        var v = new ExpandoObject();
        foreach (var (k, value) in variables) ((IDictionary<string, object?>)v)[k] = value;
        var i = new ExpandoObject();
        foreach (var (k, value) in input) ((IDictionary<string, object?>)i)[k] = value;
        _variables = v;
        _input = i;
        Variables = v;
        Input = i;
    }

    /// <summary>The workflow variables by name (dynamic).</summary>
    public dynamic Variables { get; }

    /// <summary>The workflow input by name (dynamic).</summary>
    public dynamic Input { get; }

    /// <summary>A variable by name, else a workflow input by name; null if neither exists.</summary>
    public dynamic? Get(string name) =>
        _variables.TryGetValue(name, out var v) ? v : _input.TryGetValue(name, out var i) ? i : null;

    /// <summary>Sets a variable by name; applied when the expression returns.</summary>
    public object? Set(string name, object? value)
    {
        _variables[name] = value;
        Assignments[name] = value;
        return value;
    }

    internal Dictionary<string, object?> Assignments { get; } = [];
}
