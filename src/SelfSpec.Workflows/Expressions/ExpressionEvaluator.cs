using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Expressions.JavaScript;

namespace SelfSpec.Workflows.Expressions;

/// <summary>The values an expression can read: variables and workflow input, by name, and the workflow they belong to.</summary>
internal interface IExpressionScope
{
    WorkflowDefinition Definition { get; }
    string InstanceId { get; }
    JavaScriptOptions JavaScript { get; }
    IReadOnlyDictionary<string, object?> VariablesByName { get; }
    IReadOnlyDictionary<string, object?> Input { get; }
    object? GetVariable(string idOrName);
    void SetVariableByName(string name, object? value);
}

/// <summary>Evaluates Elsa expressions: Literal, Object, Variable, Input, CSharp (trusted, Roslyn) and JavaScript (sandboxed, Jint).</summary>
internal static class ExpressionEvaluator
{
    /// <summary>
    /// Evaluates input <paramref name="inputName"/> of <paramref name="activity"/> and converts it to <paramref name="target"/>.
    /// Any failure is a <see cref="WorkflowExecutionException"/> naming the workflow, the activity and the input.
    /// </summary>
    public static async ValueTask<object?> EvaluateAsync(InputValue input, Type target, IExpressionScope scope, ActivityNode activity,
        string inputName, CancellationToken ct)
    {
        try { return await EvaluateAsync(input, target, scope, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException and not WorkflowExecutionException)
        {
            var workflow = scope.Definition;
            throw new WorkflowExecutionException(
                $"workflow '{workflow.Name}' ({workflow.DefinitionId}), activity '{activity.DisplayName}' ({activity.Id}), input '{inputName}': {e.Message}",
                scope.InstanceId, activity.Id, e);
        }
    }

    private static async ValueTask<object?> EvaluateAsync(InputValue input, Type target, IExpressionScope scope, CancellationToken ct)
    {
        var expression = input.Expression;
        object? raw = expression.Type switch
        {
            "Literal" => LiteralValue(expression.Value, input.TypeName, target),
            "Object" => expression.ValueText is { Length: > 0 } json ? ParseJson(json) : null,
            "Variable" => scope.GetVariable(VariableReference(expression.Value)
                ?? throw new FormatException("a Variable expression names no variable")),
            "Input" => scope.Input.GetValueOrDefault(expression.ValueText ?? ""),
            "CSharp" or "C#" => await RunCSharpAsync(expression.ValueText ?? "null", scope, ct).ConfigureAwait(false),
            "JavaScript" => JavaScriptEvaluator.Evaluate(expression.ValueText ?? "null", scope, ct),
            _ => throw new NotSupportedException($"expression syntax '{expression.Type}' is not supported (use Literal, Object, Variable, Input, CSharp or JavaScript)"),
        };
        if (raw is null) return null; // the caller leaves the activity's default in place
        if (target == typeof(object))
        {
            var declared = TypeAliases.Resolve(input.TypeName);
            if (declared != typeof(object)) target = declared;
        }
        return ValueConverter.Convert(raw, target);
    }

    private static object? LiteralValue(JsonNode? value, string typeName, Type target) => value switch
    {
        null => null,
        // A literal "{...}" or "[...]" for a structured input is JSON text (Elsa's literal for collections and records).
        JsonValue v when v.GetValueKind() == JsonValueKind.String && target != typeof(string) && target != typeof(object)
                         && v.GetValue<string>().TrimStart() is ['{', ..] or ['[', ..] => ParseJson(v.GetValue<string>()),
        _ => ValueConverter.Unwrap(value),
    };

    private static JsonNode? ParseJson(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException e) { throw new FormatException("invalid JSON in Object expression: " + e.Message, e); }
    }

    private static string? VariableReference(JsonNode? value) => value switch
    {
        JsonObject o => (o["id"] ?? o["name"])?.GetValue<string>(),
        JsonValue v when v.TryGetValue<string>(out var s) && s.TrimStart().StartsWith('{') => VariableReference(JsonNode.Parse(s)),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => null,
    };

    private static async Task<object?> RunCSharpAsync(string code, IExpressionScope scope, CancellationToken ct)
    {
        Microsoft.CodeAnalysis.Scripting.ScriptRunner<object?> runner;
        try { runner = CSharpExpressionCompiler.Compile(code); }
        catch (FormatException e) { throw new FormatException($"C# expression does not compile: {e.Message} (code: {code})", e); }
        var globals = new ExpressionGlobals(scope.VariablesByName, scope.Input);
        var result = await runner(globals, ct).ConfigureAwait(false);
        foreach (var (name, value) in globals.Assignments) scope.SetVariableByName(name, value);
        return result;
    }
}
