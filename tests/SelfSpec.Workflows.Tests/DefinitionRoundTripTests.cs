using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Workflows.Tests;

public class DefinitionRoundTripTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Paths.Fixture("elsa"), "*.json").OrderBy(f => f)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void AllSevenFixturesArePresent() => Assert.Equal(7, Fixtures().Count);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void FixtureReExportsToSemanticallyEqualJson(string file)
    {
        var path = Paths.Fixture("elsa", file);
        var original = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var definition = WorkflowDefinitionSerializer.ReadFile(path);
        var exported = JsonNode.Parse(WorkflowDefinitionSerializer.Write(definition))!.AsObject();

        Assert.Equal(WorkflowDefinition.SchemaUrl, exported["$schema"]!.GetValue<string>());
        AssertNodeIdsMatch(original["root"]!.AsObject(), exported["root"]!.AsObject());
        var expected = Normalize(original);
        var actual = Normalize(exported);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{file}\nexpected:\n{expected}\nactual:\n{actual}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void WritingIsAFixedPoint(string file)
    {
        var once = WorkflowDefinitionSerializer.Write(WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", file)));
        var twice = WorkflowDefinitionSerializer.Write(WorkflowDefinitionSerializer.Read(once));
        Assert.Equal(once, twice);
    }

    [Fact]
    public void LegacyFlatConnectionsAreReadAndWrittenNested()
    {
        var def = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__ImportAndExecute__implicit-loop.json"));
        Assert.Contains(def.Root.Connections!, c => c is { Source: "FlowDecision1", SourcePort: "True", Target: "WriteLine3", TargetPort: "In" });
        var json = JsonNode.Parse(WorkflowDefinitionSerializer.Write(def))!;
        var first = json["root"]!["connections"]![0]!;
        Assert.NotNull(first["source"]!["activity"]);
        Assert.Null(json["root"]!["start"]);
    }

    [Fact]
    public void InputsOutputsAndExpressionsAreTyped()
    {
        var def = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__ParentChildOutputMapping__consumer.json"));
        var writeLine = def.Root.Activities!.Single(a => a.Type == "Elsa.WriteLine");
        var text = writeLine.GetInput("text")!;
        Assert.Equal("CSharp", text.Expression.Type);
        Assert.Equal("return Variables.Variable1.ToString();", text.Expression.ValueText);
        var producer = def.Root.Activities!.Single(a => a.Type == "Producer");
        Assert.Equal("137ac38a229059f0", producer.GetOutputBinding("output1"));

        var http = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__HttpWorkflows__http-hello-world.json"));
        var endpoint = http.Root.Activities!.Single(a => a.Type == "Elsa.HttpEndpoint");
        Assert.Equal("Object", endpoint.GetInput("supportedMethods")!.Expression.Type);
        Assert.Equal("[\"GET\"]", endpoint.GetInput("supportedMethods")!.Expression.ValueText);
        Assert.Null(endpoint.GetInput("policy")!.Expression.Value); // a Literal with no value: set, to null
        Assert.Null(endpoint.GetOutputBinding("result")); // unbound output written as null
        Assert.True(endpoint.HasProperty("result"));
    }

    [Fact]
    public void PascalCaseKeysAndWrappedConnectionListAreAccepted()
    {
        const string json = """
        {"Id":"v1","DefinitionId":"d1","Name":"Pascal","Root":{"Type":"Elsa.Flowchart","Id":"f","Activities":[
          {"Id":"a","Type":"Elsa.WriteLine","Text":{"TypeName":"String","Expression":{"Type":"Literal","Value":"hi"}}},
          {"Id":"b","Type":"Elsa.End"}],
          "Connections":{"$values":[{"Source":{"Activity":"a","Port":"Done"},"Target":{"Activity":"b","Port":"In"}}]}}}
        """;
        var def = WorkflowDefinitionSerializer.Read(json);
        Assert.Equal("Pascal", def.Name);
        Assert.Equal("hi", def.Root.Activities![0].GetInput("text")!.Expression.ValueText);
        Assert.Single(def.Root.Connections!);
    }

    [Fact]
    public void BrokenJsonReportsFileAndPosition()
    {
        var e = Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinitionSerializer.Read("{\"id\": \"x\",\n \"root\": [}", "broken.json"));
        Assert.Equal("broken.json", e.File);
        Assert.Contains("line 2", e.Message);
    }

    [Fact]
    public void ExportFileNameFollowsElsa()
    {
        var def = WorkflowDefinitionSerializer.ReadFile(Paths.Fixture("elsa", "elsa-core-3.7.1__JoinBehaviors__fork-decision-join-waitall.json"));
        Assert.Equal("workflow-definition-fork-issues-3d3412c458178ff3-93277d4cd53f2dfc.json", WorkflowDefinitionSerializer.ExportFileName(def));
    }

    private static void AssertNodeIdsMatch(JsonObject original, JsonObject exported)
    {
        if (original["nodeId"] is JsonValue id) Assert.Equal(id.GetValue<string>(), exported["nodeId"]!.GetValue<string>());
        var a = original["activities"] as JsonArray ?? [];
        var b = exported["activities"] as JsonArray ?? [];
        for (var i = 0; i < a.Count; i++) AssertNodeIdsMatch(a[i]!.AsObject(), b[i]!.AsObject());
    }

    /// <summary>
    /// What Elsa itself treats as equal: key order and case aside; <c>$schema</c> and <c>nodeId</c> are derived;
    /// input <c>memoryReference</c>s (3.0–3.5) are ignored on read; legacy flat connections equal their nested form;
    /// the flowchart <c>start</c> key is neither read nor written; an empty customProperties/metadata equals an absent one.
    /// </summary>
    private static JsonNode? Normalize(JsonNode? node, string? key = null)
    {
        switch (node)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
                {
                    var lower = char.ToLowerInvariant(k[0]) + k[1..];
                    if (lower is "$schema" or "nodeId" or "start") continue;
                    if (lower == "memoryReference" && o.ContainsKey("expression")) continue;
                    if (lower is "customProperties" or "metadata" && v is JsonObject { Count: 0 }) continue; // absent = empty in Elsa
                    result[lower] = lower == "connections" ? NormalizeConnections(v) : Normalize(v, lower);
                }
                return result;
            case JsonArray a:
                return new JsonArray(a.Select(x => Normalize(x)).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static JsonArray NormalizeConnections(JsonNode? connections) => new(
        (connections as JsonArray ?? []).OfType<JsonObject>().Select(c =>
        {
            var nested = c["source"] is JsonObject
                ? c
                : new JsonObject
                {
                    ["source"] = new JsonObject { ["activity"] = c["source"]!.DeepClone(), ["port"] = c["sourcePort"]!.DeepClone() },
                    ["target"] = new JsonObject { ["activity"] = c["target"]!.DeepClone(), ["port"] = c["targetPort"]!.DeepClone() },
                };
            return Normalize(nested);
        }).ToArray());
}
