using System.Text.Json.Nodes;
using SelfSpec.Workflows.Expressions;

namespace SelfSpec.Workflows.Tests;

/// <summary>Modern JavaScript in expressions, evaluated by our Jint sandbox and by V8 (Node.js) with the same globals.</summary>
public sealed class JavaScriptLanguageTests
{
    private static readonly string[] Snippets =
    [
        // template literals and the globals
        "`Hello ${getInput('name')}, next year you are ${getAge() + 1}`",
        "`${input.name}: ${variables.Items.length} items, first ${getItems()[0].name}`",
        // arrow functions and array methods
        "[1, 2, 3, 4].map(x => x * x).filter(x => x % 2 === 0).reduce((a, b) => a + b, 0)",
        "[[1, 2], [3]].flatMap(x => x).includes(3) && [5, 6].find(x => x > 5)",
        "variables.Items.map(i => i.name.toUpperCase()).sort().reverse().join('|')",
        "Array.from({ length: 4 }, (_, i) => i * 3).some(x => x > 8) ? [3, 1, 2].sort((a, b) => b - a) : []",
        // destructuring and spread
        "const { a, b: [c, ...rest] } = { a: 1, b: [2, 3, 4] }; ({ a, c, rest })",
        "const base = { x: 1, y: 2 }; ({ ...base, y: 3, z: [...[1, 2], ...'ab'] })",
        "const [first, , third = 'default'] = getItems(); [first.name, third]",
        // optional chaining and nullish coalescing
        "const o = { p: { q: null } }; [o?.p?.q?.r, o.missing?.x, o.p?.['q'], o.f?.()]",
        "[null ?? 'a', 0 ?? 'b', '' ?? 'c', getInput('missing') ?? 'default', getInput('name') ?? 'x']",
        // Math, JSON and the standard library
        "Math.max(...[3, 9, 4]) + Math.round(2.5) + Math.pow(2, 10) + Math.floor(-1.5) + 2 ** 3",
        "JSON.parse(JSON.stringify({ a: [1, { b: 'c' }], d: null, e: 1.5e-7 }))",
        "JSON.stringify(getItems(), null, 2)",
        "Object.fromEntries(Object.entries({ a: 1, b: 2 }).map(([k, v]) => [k.toUpperCase(), v * 10]))",
        "'abc'.padStart(5, '-') + 'x'.repeat(3) + ' trim '.trim() + 'a-b-c'.replaceAll('-', '+')",
        "[...new Set([1, 1, 2, 3])].length + new Map([['a', 1]]).get('a')",
        "new Date(Date.UTC(2020, 0, 2, 3, 4, 5)).toISOString()",
        "'2024-05-06'.match(/(\\d+)-(\\d+)/).slice(1).map(Number)",
        "(0.1 + 0.2).toFixed(2) + ' ' + (1 / 3) + ' ' + Number.MAX_SAFE_INTEGER + ' ' + parseInt('42px', 10)",
        // classes, closures, generators
        "class Point { constructor(x, y) { this.x = x; this.y = y; } get norm() { return Math.hypot(this.x, this.y); } } new Point(3, 4).norm",
        "let counter = 0; const inc = () => ++counter; inc(); inc(); counter",
        "function* g() { yield 1; yield 2; } [...g()].map(String)",
        "if (getAge() > 18) { return 'adult'; } return 'minor';",
        // writing variables
        "setAge(getAge() * 2); variables.Name = `${variables.Name}!`; setVariable('Items', [...getItems(), { name: 'z' }]); getAge()",
    ];

    [Fact]
    public void ModernJavaScriptGivesWhatV8Gives()
    {
        var definition = JavaScriptScope.Workflow([("Age", "Int32"), ("Name", "String"), ("Items", "Object")], [("name", "String")]);
        var input = new Dictionary<string, object?> { ["name"] = "Ada" };
        var items = new JsonArray(new JsonObject { ["name"] = "b" }, new JsonObject { ["name"] = "a" });
        var expected = NodeReference.Evaluate(Snippets.Select(code => new NodeReference.Case(code, new JsonObject { ["name"] = "Ada" },
            new JsonObject { ["Age"] = 20, ["Name"] = "n", ["Items"] = items.DeepClone() })).ToList());
        for (var i = 0; i < Snippets.Length; i++)
        {
            var scope = new JavaScriptScope(definition, input);
            scope.SetVariableByName("Age", 20);
            scope.SetVariableByName("Name", "n");
            scope.SetVariableByName("Items", items.DeepClone());
            Assert.True(expected[i].Error is null, $"V8: {Snippets[i]}: {expected[i].Error}");
            var actual = ValueConverter.ToJson(scope.Evaluate(Snippets[i]));
            var reference = expected[i].Json is { } json ? JsonNode.Parse(json) : null;
            Assert.True(JsonNode.DeepEquals(reference, actual), $"{Snippets[i]}\n V8:  {reference?.ToJsonString()}\n ours: {actual?.ToJsonString()}");
            var variables = new JsonObject(scope.VariablesByName.Select(kv => KeyValuePair.Create(kv.Key, ValueConverter.ToJson(kv.Value))));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i].Variables!), variables),
                $"{Snippets[i]}: variables\n V8:  {expected[i].Variables}\n ours: {variables.ToJsonString()}");
        }
    }
}
