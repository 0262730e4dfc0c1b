using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Server.Tests;

/// <summary>The toolbox and editor start-up endpoints, with the shapes of elsa-studio.md and trap 2 (a descriptor per stored type and version).</summary>
public sealed class DescriptorApiTests
{
    [Fact]
    public async Task Descriptors_cover_every_registered_activity_with_studio_fields()
    {
        await using var host = await ServerHost.StartAsync();
        var body = await host.GetJsonAsync("/elsa/api/descriptors/activities?Refresh=True");
        var items = body["items"]!.AsArray().Select(n => n!.AsObject()).ToList();
        Assert.Equal(items.Count, (int)body["count"]!);
        foreach (var d in host.Runtime.Registry.All)
            Assert.Contains(items, i => (string)i["typeName"]! == d.TypeName && (int)i["version"]! == d.Version);
        foreach (var i in items)
        {
            foreach (var key in new[] { "typeName", "namespace", "name", "version", "category", "displayName", "description", "kind", "inputs", "outputs", "ports", "customProperties", "constructionProperties", "isContainer", "isBrowsable", "isStart", "isTerminal" })
                Assert.True(i.ContainsKey(key), $"{i["typeName"]} lacks {key}");
            Assert.Contains((string)i["kind"]!, new[] { "Action", "Trigger" });
            foreach (var input in i["inputs"]!.AsArray().Select(n => n!.AsObject()))
            {
                foreach (var key in new[] { "name", "typeName", "displayName", "description", "order", "isWrapped", "uiHint", "defaultSyntax", "defaultValue", "isBrowsable", "isReadOnly", "isSensitive", "uiSpecifications", "storageDriverType" })
                    Assert.True(input.ContainsKey(key), $"{i["typeName"]}.{input["name"]} lacks {key}");
                Assert.True(char.IsUpper(((string)input["name"]!)[0]), $"{i["typeName"]}.{input["name"]} is not PascalCase");
            }
            foreach (var port in i["ports"]!.AsArray())
                Assert.Contains((string)port!["type"]!, new[] { "Flow", "Embedded" });
        }
    }

    [Fact]
    public async Task Inputs_carry_types_defaults_and_ui_hints()
    {
        await using var host = await ServerHost.StartAsync();
        var items = (await host.GetJsonAsync("/elsa/api/descriptors/activities"))["items"]!.AsArray().Select(n => n!.AsObject()).ToList();
        JsonObject Input(string type, string name) =>
            items.Single(i => (string)i["typeName"]! == type)["inputs"]!.AsArray().Select(n => n!.AsObject()).Single(n => (string)n["name"]! == name);

        var itemNumbers = Input("SelfSpec.GenerateInstructions", "ItemNumbers");
        Assert.Equal("dropdown", (string)itemNumbers["uiHint"]!);
        Assert.Equal(["exact", "any"], itemNumbers["uiSpecifications"]!["dropdown"]!["selectList"]!["items"]!.AsArray().Select(n => (string)n!["value"]!));
        Assert.Equal("exact", (string)itemNumbers["defaultValue"]!);
        var mode = Input("SelfSpec.GenerateResponses", "Mode");
        Assert.Equal("dropdown", (string)mode["uiHint"]!);
        Assert.Equal(["topk", "top1", "none"], mode["uiSpecifications"]!["dropdown"]!["selectList"]!["items"]!.AsArray().Select(n => (string)n!["text"]!));
        var greedy = Input("SelfSpec.GenerateResponses", "Greedy");
        Assert.Equal(("checkbox", "Boolean", true), ((string)greedy["uiHint"]!, (string)greedy["typeName"]!, (bool)greedy["defaultValue"]!));
        var batch = Input("SelfSpec.GenerateResponses", "BatchSize");
        Assert.Equal(("singleline", "Int32", 8), ((string)batch["uiHint"]!, (string)batch["typeName"]!, (int)batch["defaultValue"]!));
        Assert.Equal("multiline", (string)Input("Elsa.WriteLine", "Text")["uiHint"]!);
        var decision = items.Single(i => (string)i["typeName"]! == "Elsa.FlowDecision");
        Assert.Equal(["True", "False"], decision["ports"]!.AsArray().Select(p => (string)p!["name"]!));
        Assert.True((bool)items.Single(i => (string)i["typeName"]! == "Elsa.Flowchart")["isContainer"]!);
        Assert.Equal("Trigger", (string)items.Single(i => (string)i["typeName"]! == "Elsa.Cron")["kind"]!);
    }

    public static TheoryData<string> AllDefinitionFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(ServerHost.ProjectWorkflows, "*.json").Order()) data.Add(f);
        foreach (var f in Directory.GetFiles(Paths.Fixture("elsa"), "*.json").Order()) data.Add(f);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllDefinitionFiles))]
    public async Task Every_type_and_version_in_a_stored_definition_has_a_descriptor(string file)
    {
        await using var host = await ServerHost.StartAsync();
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var imported = await host.PostJsonAsync("/elsa/api/workflow-definitions/import", json);
        Assert.True(imported.Status == 200, imported.Body.ToJsonString());
        var items = (await host.GetJsonAsync("/elsa/api/descriptors/activities"))["items"]!.AsArray();
        var pairs = items.Select(i => ((string)i!["typeName"]!, (int)i["version"]!)).ToHashSet();
        var definition = WorkflowDefinitionSerializer.ReadFile(file);
        foreach (var node in definition.AllActivities())
            Assert.True(pairs.Contains((node.Type, node.Version)), $"{Path.GetFileName(file)}: no descriptor for {node.Type} v{node.Version}");
    }

    [Fact]
    public async Task An_unknown_type_gets_a_descriptor_with_the_inputs_and_ports_it_uses()
    {
        await using var host = await ServerHost.StartAsync();
        var json = SmallWorkflows.HelloJson("unknowns");
        var activities = json["root"]!["activities"]!.AsArray();
        activities.Add(JsonNode.Parse("""{ "id": "http", "type": "Acme.SendEmail", "version": 3, "to": { "typeName": "String", "expression": { "type": "Literal", "value": "a@b" } } }"""));
        json["root"]!["connections"]!.AsArray().Add(JsonNode.Parse("""{ "source": { "activity": "http", "port": "Sent" }, "target": { "activity": "end", "port": "In" } }"""));
        Assert.Equal(200, (await host.PostJsonAsync("/elsa/api/workflow-definitions/import", json)).Status);
        var items = (await host.GetJsonAsync("/elsa/api/descriptors/activities"))["items"]!.AsArray();
        var unknown = items.Single(i => (string)i!["typeName"]! == "Acme.SendEmail")!;
        Assert.Equal(3, (int)unknown["version"]!);
        Assert.Equal("To", (string)unknown["inputs"]![0]!["name"]!);
        Assert.Equal("Sent", (string)unknown["ports"]![0]!["name"]!);
    }

    [Fact]
    public async Task Expression_descriptors_offer_only_syntaxes_the_runtime_evaluates()
    {
        await using var host = await ServerHost.StartAsync();
        var items = (await host.GetJsonAsync("/elsa/api/descriptors/expression-descriptors"))["items"]!.AsArray();
        var browsable = items.Where(i => (bool)i!["isBrowsable"]!).Select(i => (string)i!["type"]!).ToList();
        Assert.Equal(["Literal", "Object", "JavaScript", "CSharp"], browsable);
        Assert.DoesNotContain(items, i => (string)i!["type"]! is "Liquid" or "Python");
        Assert.Equal("javascript", (string)items.Single(i => (string)i!["type"]! == "JavaScript")!["properties"]!["MonacoLanguage"]!);
    }

    [Fact]
    public async Task Editor_startup_lists_answer()
    {
        await using var host = await ServerHost.StartAsync();
        foreach (var path in new[] { "workflow-activation-strategies", "incident-strategies", "log-persistence-strategies", "commit-strategies/workflows", "storage-drivers" })
            Assert.NotNull((await host.GetJsonAsync("/elsa/api/descriptors/" + path))["items"]);
        Assert.NotNull((await host.GetJsonAsync("/elsa/api/features/installed"))["items"]);
        var variables = (await host.GetJsonAsync("/elsa/api/descriptors/variables"))["items"]!.AsArray();
        Assert.Contains(variables, v => (string)v!["typeName"]! == "String");
    }

    [Fact]
    public async Task Type_definitions_declare_the_globals_and_the_workflows_variables()
    {
        await using var host = await ServerHost.StartAsync();
        var response = await host.Client.PostAsync("/elsa/api/scripting/javascript/type-definitions/evaluate",
            new StringContent("""{"workflowDefinitionId":"evaluate","activityTypeName":"Elsa.SetVariable","propertyName":"Value"}""", System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        foreach (var expected in new[] { "declare function getInput(name: string): any;", "declare function getVariable(name: string): any;",
                     "declare function setVariable(name: string, value: any): void;", "declare const variables", "declare function getModelPath(): string | null;",
                     "declare function setIsDemonstrationModel(value: boolean | null): void;", "declare function getWorkflowInstanceId(): string;" })
            Assert.Contains(expected, text);
    }
}
