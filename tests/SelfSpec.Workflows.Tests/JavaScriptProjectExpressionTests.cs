using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Tests;

/// <summary>
/// Every JavaScript expression of the project's workflows and of the Elsa fixtures, evaluated by our Jint sandbox and by
/// V8 (Node.js) with the same input and variables — once with no workflow input given (null, as the runtime passes them),
/// once with every input given —
/// gives the same value, converted to the type the input declares.
/// </summary>
public sealed class JavaScriptProjectExpressionTests
{
    /// <summary>The project's workflows and the Elsa fixtures, relative to the repository.</summary>
    public static TheoryData<string> Files() =>
        [.. Directory.GetFiles(Path.Combine(Paths.RepoRoot, "workflows"), "*.json").Concat(Directory.GetFiles(Paths.Fixture("elsa"), "*.json"))
            .Select(f => Path.GetRelativePath(Paths.RepoRoot, f))];

    [Theory]
    [MemberData(nameof(Files))]
    public void EachExpressionGivesWhatV8Gives(string file)
    {
        var definition = WorkflowDefinitionSerializer.ReadFile(Path.Combine(Paths.RepoRoot, file));
        var expressions = JavaScriptInputs(definition).ToList();
        if (expressions.Count == 0) return; // nothing to compare in this file
        var variables = definition.Variables.ToDictionary(v => v.Name, v => SampleValue(v.Name, v.TypeName));
        var scenarios = new[]
        {
            definition.Inputs.ToDictionary(i => i.Name, i => (object?)null), // the runtime's input when none is given
            definition.Inputs.ToDictionary(i => i.Name, i => SampleValue(i.Name, i.Type)),
        };
        var cases = (from input in scenarios from e in expressions select (input, e)).ToList();
        var reference = NodeReference.Evaluate(cases.Select(c => new NodeReference.Case(c.e.Value.Expression.ValueText!, Json(c.input), Json(variables))).ToList());
        for (var i = 0; i < cases.Count; i++)
        {
            var ((input, (activity, name, value)), v8) = (cases[i], reference[i]);
            var code = value.Expression.ValueText!;
            Assert.True(v8.Error is null, $"V8: {file} {activity}.{name} `{code}`: {v8.Error}");
            var target = TypeAliases.Resolve(value.TypeName);
            var expected = v8.Json is { } json && ValueConverter.Unwrap(JsonNode.Parse(json)) is { } raw ? ValueConverter.Convert(raw, target) : null;
            var scope = new JavaScriptScope(definition, input);
            foreach (var (variable, sample) in variables) scope.SetVariableByName(variable, sample);
            var actual = scope.Evaluate(value);
            Assert.True(JsonNode.DeepEquals(ValueConverter.ToJson(expected), ValueConverter.ToJson(actual)) && (target == typeof(object) || Equals(expected?.GetType(), actual?.GetType())),
                $"{file} {activity}.{name} `{code}` (inputs given: {input.Values.Any(x => x is not null)}): V8 {ValueConverter.ToJson(expected)?.ToJsonString()}, ours {ValueConverter.ToJson(actual)?.ToJsonString()} ({actual?.GetType().Name})");
        }
    }

    private static IEnumerable<(string Activity, string Input, InputValue Value)> JavaScriptInputs(WorkflowDefinition definition) =>
        from a in definition.AllActivities()
        from key in a.Properties.Select(p => p.Key).ToList()
        let value = a.GetInput(key)
        where value?.Expression.Type == "JavaScript"
        select (a.Id, key, value);

    /// <summary>A value of the declared type that differs per name (null for types without a sample).</summary>
    internal static object? SampleValue(string name, string type) => TypeAliases.Resolve(type) switch
    {
        var t when t == typeof(string) => "given-" + name,
        var t when t == typeof(int) => name.Length + 3,
        var t when t == typeof(double) => name.Length / 8.0,
        var t when t == typeof(bool) => name.Length % 2 == 0,
        _ => null,
    };

    private static JsonObject Json(IReadOnlyDictionary<string, object?> values) =>
        new(values.Select(kv => KeyValuePair.Create(kv.Key, ValueConverter.ToJson(kv.Value))));
}
