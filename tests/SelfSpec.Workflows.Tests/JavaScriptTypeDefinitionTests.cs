using System.Text.RegularExpressions;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Expressions.JavaScript;

namespace SelfSpec.Workflows.Tests;

/// <summary>The TypeScript declarations for the designer declare exactly what the engine provides, with the types values have there.</summary>
public sealed partial class JavaScriptTypeDefinitionTests
{
    [Theory]
    [MemberData(nameof(JavaScriptProjectExpressionTests.Files), MemberType = typeof(JavaScriptProjectExpressionTests))]
    public void EveryDeclaredGlobalExistsInTheEngineWithItsDeclaredType(string file)
    {
        var definition = WorkflowDefinitionSerializer.ReadFile(Path.Combine(Paths.RepoRoot, file));
        var declarations = JavaScriptTypeDefinitions.For(definition);
        var input = definition.Inputs.ToDictionary(i => i.Name, i => JavaScriptProjectExpressionTests.SampleValue(i.Name, i.Type));
        var scope = new JavaScriptScope(definition, input);
        foreach (var v in definition.Variables) scope.SetVariableByName(v.Name, JavaScriptProjectExpressionTests.SampleValue(v.Name, v.TypeName));

        var functions = DeclaredFunction().Matches(declarations).ToList();
        Assert.Contains(functions, f => f.Groups["name"].Value == "getInput");
        foreach (Match f in functions)
        {
            var name = f.Groups["name"].Value;
            Assert.Equal("function", scope.Evaluate($"typeof {name}"));
            var returns = f.Groups["returns"].Value.Replace(" | null", "", StringComparison.Ordinal);
            if (f.Groups["parameters"].Value.Length == 0 && returns is "number" or "string" or "boolean" && !name.StartsWith("new", StringComparison.Ordinal))
            {
                var actual = (string)scope.Evaluate($"{name}() === null ? 'null' : typeof {name}()")!;
                Assert.True(actual == returns || actual == "null" && f.Groups["returns"].Value.EndsWith("| null", StringComparison.Ordinal),
                    $"{name}() is declared {f.Groups["returns"].Value} but gives {actual}");
            }
        }
        foreach (var v in definition.Variables.Where(v => JavaScriptNames.IsIdentifier(v.Name)))
        {
            Assert.Contains($"declare function get{JavaScriptNames.Pascalize(v.Name)}()", declarations);
            Assert.Contains($"    {v.Name}: ", declarations);
        }
        Assert.Equal("object object", scope.Evaluate("typeof variables + ' ' + typeof input"));
    }

    [Fact]
    public void DotNetTypesMapToTheirJavaScriptForms()
    {
        Assert.Equal("number", JavaScriptTypeDefinitions.TypeOf("Int32", false));
        Assert.Equal("number[]", JavaScriptTypeDefinitions.TypeOf("Double", true));
        Assert.Equal("string[]", JavaScriptTypeDefinitions.TypeOf("List<String>", false));
        Assert.Equal("boolean", JavaScriptTypeDefinitions.TypeOf("Boolean", false));
        Assert.Equal("string", JavaScriptTypeDefinitions.TypeOf("Guid", false));
        Assert.Equal("Uint8Array", JavaScriptTypeDefinitions.TypeOf("ByteArray", false));
        Assert.Equal("Record<string, string>", JavaScriptTypeDefinitions.TypeOf("StringDictionary", false));
        Assert.Equal("any", JavaScriptTypeDefinitions.TypeOf("Object", false));
    }

    [GeneratedRegex(@"declare function (?<name>\w+)\((?<parameters>[^)]*)\): (?<returns>[^;]+);")]
    private static partial Regex DeclaredFunction();
}
