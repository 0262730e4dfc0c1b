using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.TestSupport;

namespace SelfSpec.Workflows.Tests;

/// <summary>
/// Node.js (V8, Debian package <c>nodejs</c>, installed by the test command) as the reference JavaScript engine:
/// evaluates expressions with plain-JavaScript versions of the Elsa globals (<c>Resources/node/evaluate.cjs</c>).
/// </summary>
internal static class NodeReference
{
    /// <summary>One expression with the workflow input and variables it sees (JSON values).</summary>
    public sealed record Case(string Code, JsonObject Input, JsonObject Variables);

    /// <summary>What V8 made of a case: the result as JSON text (null for null/undefined) and the variables afterwards, or an error.</summary>
    public sealed record Result(string? Json, string? Variables, string? Error);

    public static IReadOnlyList<Result> Evaluate(IReadOnlyList<Case> cases)
    {
        var node = ExternalReference.RequireNode();
        var script = Path.Combine(AppContext.BaseDirectory, "Resources", "node", "evaluate.cjs");
        var request = new JsonObject
        {
            ["cases"] = new JsonArray(cases.Select(c => (JsonNode)new JsonObject
            {
                ["code"] = c.Code, ["input"] = c.Input.DeepClone(), ["variables"] = c.Variables.DeepClone(),
            }).ToArray()),
        };
        var r = ChildProcess.Run(node, [script], stdin: request.ToJsonString(), timeout: TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonSerializer.Deserialize<List<Result>>(r.StdOut, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }
}
