using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Tests;

/// <summary>Every JavaScript expression of the project's workflows and the Elsa fixtures gives what the C# subset translation gave.</summary>
public sealed class JavaScriptProjectExpressionTests
{
    public static TheoryData<string> Files() =>
        [.. Directory.GetFiles(Path.Combine(Paths.RepoRoot, "workflows"), "*.json").Concat(Directory.GetFiles(Paths.Fixture("elsa"), "*.json"))
            .Select(f => Path.GetRelativePath(Paths.RepoRoot, f))];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task EachExpressionGivesWhatTheSubsetTranslationGave(string file)
    {
        var definition = WorkflowDefinitionSerializer.ReadFile(Path.Combine(Paths.RepoRoot, file));
        var expressions = JavaScriptInputs(definition).ToList();
        foreach (var given in new[] { false, true })
        {
            var input = given ? definition.Inputs.ToDictionary(i => i.Name, i => SampleValue(i.Name, i.Type)) : new Dictionary<string, object?>();
            foreach (var (activity, name, value) in expressions)
            {
                var scope = new JavaScriptScope(definition, input);
                foreach (var v in definition.Variables) scope.SetVariableByName(v.Name, SampleValue(v.Name, v.TypeName));
                var target = TypeAliases.Resolve(value.TypeName);
                var code = value.Expression.ValueText!;
                Microsoft.CodeAnalysis.Scripting.ScriptRunner<object?> old;
                try { old = CSharpExpressionCompiler.Compile(JavaScriptSubset.ToCSharp(code)); }
                catch (FormatException) { scope.Evaluate(value); continue; } // beyond the subset: Jint must run it
                var oldRaw = await old(new ExpressionGlobals(scope.VariablesByName, scope.Input));
                var expected = oldRaw is null ? null : ValueConverter.Convert(oldRaw, target);
                var actual = scope.Evaluate(value);
                Assert.True(Equals(expected?.GetType(), actual?.GetType()) && Json(expected) == Json(actual),
                    $"{file} {activity}.{name} `{code}` (inputs given: {given}): subset gave {Json(expected)} ({expected?.GetType().Name}), Jint {Json(actual)} ({actual?.GetType().Name})");
            }
        }
    }

    internal static IEnumerable<(string Activity, string Input, InputValue Value)> JavaScriptInputs(WorkflowDefinition definition) =>
        from a in definition.AllActivities()
        from key in a.Properties.Select(p => p.Key).ToList()
        let value = a.GetInput(key)
        where value?.Expression.Type == "JavaScript"
        select (a.Id, key, value);

    /// <summary>A value of the declared type that differs per name.</summary>
    internal static object? SampleValue(string name, string type) => TypeAliases.Resolve(type) switch
    {
        var t when t == typeof(string) => "given-" + name,
        var t when t == typeof(int) => name.Length + 3,
        var t when t == typeof(double) => name.Length / 8.0,
        var t when t == typeof(bool) => name.Length % 2 == 0,
        _ => null,
    };

    private static string? Json(object? value) => ValueConverter.ToJson(value)?.ToJsonString();
}
