using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Tests;

/// <summary>Elsa 3's JavaScript globals with Elsa's semantics, and the .NET types values come back as.</summary>
public sealed class JavaScriptGlobalsTests
{
    private static readonly Definitions.WorkflowDefinition Definition = JavaScriptScope.Workflow(
        [("Count", "Int32"), ("documentCount", "Int32"), ("my_var", "String"), ("Ratio", "Double"), ("Tags", "String[]"),
         ("Blob", "ByteArray"), ("Anything", "Object")],
        [("corpusPath", "String"), ("epochs", "Int32")]);

    private static JavaScriptScope Scope(Dictionary<string, object?>? input = null) => new(Definition, input ?? new() { ["corpusPath"] = "data/x.jsonl", ["epochs"] = 3 });

    [Fact]
    public void GetInputReadsTheRunsInputAndGivesNullForAMissingOne()
    {
        var scope = Scope();
        Assert.Equal("data/x.jsonl", scope.Evaluate("getInput('corpusPath')"));
        Assert.Equal(4, scope.Evaluate("getInput('epochs') + 1"));
        Assert.Equal(true, scope.Evaluate("getInput('nothing') === null"));
        Assert.Equal("data/x.jsonl|3", scope.Evaluate("`${input.corpusPath}|${getepochs()}`")); // Elsa's get{InputName}()
    }

    [Fact]
    public void SetVariableStoresTheVariablesDeclaredType()
    {
        var scope = Scope();
        scope.Evaluate("setVariable('Count', 41 + 1); setRatio(1); setTags(['a', 'b']); setBlob(bytesFromString('hi'))");
        Assert.IsType<int>(scope.GetVariable("Count"));
        Assert.Equal(42, scope.GetVariable("Count"));
        Assert.IsType<double>(scope.GetVariable("Ratio"));
        Assert.Equal(["a", "b"], Assert.IsType<string[]>(scope.GetVariable("Tags")));
        Assert.Equal(Encoding.UTF8.GetBytes("hi"), Assert.IsType<byte[]>(scope.GetVariable("Blob")));
        Assert.Equal(42, scope.Evaluate("getVariable('Count')"));
    }

    [Fact]
    public void AccessorsArePascalCasedAsInElsa()
    {
        var scope = Scope();
        scope.SetVariableByName("documentCount", 7);
        scope.Evaluate("setMyVar('x' + getDocumentCount())");
        Assert.Equal("x7", scope.GetVariable("my_var"));
    }

    [Fact]
    public void VariablesObjectReadsAndWritesAndLeavesUntouchedVariablesAlone()
    {
        var scope = Scope();
        var anything = new List<string> { "kept as the same .NET object" };
        scope.SetVariableByName("Anything", anything);
        scope.SetVariableByName("Count", 5);
        var result = scope.Evaluate("variables.Count = variables.Count * 2 + variables.Anything.length; variables.Count");
        Assert.Equal(11, result);
        Assert.Equal(11, Assert.IsType<int>(scope.GetVariable("Count")));
        Assert.Same(anything, scope.GetVariable("Anything"));
        // a setter and the variables object agree within one expression
        Assert.Equal(3, scope.Evaluate("setCount(3); variables.Count"));
    }

    [Fact]
    public void WorkflowIdentityComesFromTheDefinitionAndInstance()
    {
        var scope = Scope();
        Assert.Equal(Definition.DefinitionId, scope.Evaluate("getWorkflowDefinitionId()"));
        Assert.Equal(Definition.Id, scope.Evaluate("getWorkflowDefinitionVersionId()"));
        Assert.Equal(Definition.Version, scope.Evaluate("getWorkflowDefinitionVersion()"));
        Assert.Equal(scope.InstanceId, scope.Evaluate("getWorkflowInstanceId()"));
        Assert.Equal(Definition.Name, scope.Evaluate("getWorkflowInstanceName()"));
    }

    [Fact]
    public void ConversionHelpersMatchDotNet()
    {
        var scope = Scope();
        Assert.Equal(new object[] { string.IsNullOrWhiteSpace(" \t"), string.IsNullOrWhiteSpace("a"), true, string.IsNullOrEmpty(""), string.IsNullOrEmpty(" ") },
            ((JsonArray)scope.Evaluate("[isNullOrWhiteSpace(' \\t'), isNullOrWhiteSpace('a'), isNullOrWhiteSpace(null), isNullOrEmpty(''), isNullOrEmpty(' ')]")!)
                .Select(n => (object)n!.GetValue<bool>()).ToArray());
        var guid = Guid.NewGuid();
        Assert.Equal(guid.ToString("D"), scope.Evaluate($"parseGuid('{guid.ToString("B").ToUpperInvariant()}')"));
        Assert.Equal(guid, scope.Evaluate($"parseGuid('{guid:N}')", "Guid"));
        Assert.True(Guid.TryParse((string)scope.Evaluate("newGuidString()")!, out _));
        var shortGuid = (string)scope.Evaluate("newShortGuid()")!;
        Assert.DoesNotMatch("[/+=]", shortGuid);
        const string text = "héllo wörld ✓";
        Assert.Equal(Encoding.UTF8.GetBytes(text), scope.Evaluate($"bytesFromString('{text}')", "ByteArray"));
        Assert.Equal(text, scope.Evaluate($"bytesToString(bytesFromString('{text}'))"));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), scope.Evaluate($"stringToBase64('{text}')"));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), scope.Evaluate($"bytesToBase64(bytesFromString('{text}'))"));
        Assert.Equal(text, scope.Evaluate($"stringFromBase64(stringToBase64('{text}'))"));
        Assert.Equal(text, scope.Evaluate($"bytesToString(bytesFromBase64(bytesToBase64(bytesFromString('{text}'))))"));
        Assert.Equal(scope.Evaluate("JSON.stringify({ a: [1, 'x'], b: null })"), scope.Evaluate("toJson({ a: [1, 'x'], b: null })"));
    }

    [Fact]
    public void AHelperGivenBadInputThrowsACatchableJavaScriptError()
    {
        var scope = Scope();
        Assert.Equal("TypeError", scope.Evaluate("try { parseGuid('not a guid'); } catch (e) { e.name }"));
        Assert.Equal("TypeError", scope.Evaluate("try { bytesToString('text'); } catch (e) { e.name }"));
    }

    [Fact]
    public void ValuesCrossTheBoundaryAsTheDeclaredTypes()
    {
        var scope = Scope();
        scope.SetVariableByName("Tags", new[] { "b", "a" });
        Assert.Equal(7, scope.Evaluate("3.5 * 2", "Int32"));
        Assert.Equal(7L, scope.Evaluate("3.5 * 2", "Int64"));
        Assert.Equal(0.1 + 0.2, scope.Evaluate("0.1 + 0.2", "Double"));
        Assert.Equal(new[] { "a", "b" }, scope.Evaluate("getTags().sort()", "String[]"));
        Assert.Equal(new List<int> { 2, 4 }, scope.Evaluate("[1, 2].map(x => x * 2)", "List<Int32>"));
        var obj = Assert.IsType<JsonObject>(scope.Evaluate("({ k: 5, tags: getTags() })"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"k":5,"tags":["b","a"]}"""), obj));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "x" }, scope.Evaluate("({ a: 'x' })", "StringDictionary"));
        Assert.Equal("9007199254740993", scope.Evaluate("String(2n ** 53n + 1n)")); // BigInt stays exact inside the engine
        Assert.Null(scope.Evaluate("undefined"));
    }
}
