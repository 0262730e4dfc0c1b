using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>
/// One activity of a definition as it appears in the JSON. The well-known keys are typed; every other key
/// (wrapped inputs, output bindings, plain properties, keys of unknown activity types) is kept verbatim in
/// <see cref="Properties"/>, so a file round-trips without loss even when the runtime does not know the type.
/// </summary>
public sealed class ActivityNode
{
    /// <summary>The activity id (opaque string).</summary>
    public required string Id { get; set; }

    /// <summary>The activity type name, e.g. <c>Elsa.WriteLine</c> or <c>SelfSpec.GenerateInstructions</c>.</summary>
    public required string Type { get; set; }

    /// <summary>The activity type version.</summary>
    public int Version { get; set; } = 1;

    /// <summary>The display name (<c>WriteLine1</c>); null if the file has none.</summary>
    public string? Name { get; set; }

    /// <summary>The node id: ancestor ids joined by colons. Recomputed on load; the file's value is not trusted.</summary>
    public string NodeId { get; set; } = "";

    /// <summary><c>customProperties</c>: canStartWorkflow, runAsynchronously, resilienceStrategy…</summary>
    public JsonObject CustomProperties { get; set; } = new();

    /// <summary><c>metadata</c>: designer position and size, displayText, description.</summary>
    public JsonObject Metadata { get; set; } = new();

    /// <summary>Every other key, in file order.</summary>
    public JsonObject Properties { get; set; } = new(new JsonNodeOptions { PropertyNameCaseInsensitive = true });

    /// <summary>For a flowchart: its child activities; null for other activities.</summary>
    public List<ActivityNode>? Activities { get; set; }

    /// <summary>For a flowchart: its connections; null for other activities.</summary>
    public List<Connection>? Connections { get; set; }

    /// <summary>Child activities held in properties (e.g. <c>ForEach.body</c>), by property name.</summary>
    public Dictionary<string, ActivityNode> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when this node is a flowchart container.</summary>
    public bool IsFlowchart => Activities is not null;

    /// <summary>The label to show: <c>metadata.displayText</c>, else the name, else the id.</summary>
    public string DisplayName => (Metadata["displayText"] as JsonValue)?.GetValue<string>() is { Length: > 0 } text ? text : Name ?? Id;

    /// <summary><c>customProperties.canStartWorkflow</c> (or the legacy top-level key).</summary>
    public bool CanStartWorkflow =>
        (CustomProperties["canStartWorkflow"] ?? Properties["canStartWorkflow"]) is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>
    /// The wrapped input named <paramref name="name"/> (case-insensitive). A bare JSON primitive is read as a literal;
    /// an object without <c>typeName</c> or <c>expression</c> counts as unset (returns null), as in Elsa.
    /// </summary>
    public InputValue? GetInput(string name)
    {
        switch (Properties[name])
        {
            case JsonObject o:
                if (o["typeName"] is not JsonValue tn || o["expression"] is not JsonObject expr) return null;
                var type = (expr["type"] as JsonValue)?.GetValue<string>() ?? "Literal";
                return new InputValue(tn.GetValue<string>(), new Expression(type, expr["value"]?.DeepClone()));
            case JsonValue v:
                return new InputValue("Object", Expression.Literal(v.DeepClone()));
            default:
                return null;
        }
    }

    /// <summary>Sets a wrapped input, replacing any existing value.</summary>
    public void SetInput(string name, InputValue value) =>
        Properties[name] = new JsonObject
        {
            ["typeName"] = value.TypeName,
            ["expression"] = new JsonObject { ["type"] = value.Expression.Type, ["value"] = value.Expression.Value?.DeepClone() },
        };

    /// <summary>True when the key <paramref name="name"/> is present (even if null or unset).</summary>
    public bool HasProperty(string name) => Properties.ContainsKey(name);

    /// <summary>The variable id an output is bound to (<c>{"memoryReference": {"id": …}}</c>); null if unbound.</summary>
    public string? GetOutputBinding(string name) =>
        Properties[name] is JsonObject o && o["expression"] is null && o["memoryReference"] is JsonObject m && m["id"] is JsonValue id
            ? id.GetValue<string>() : null;

    /// <summary>Binds an output to a variable.</summary>
    public void SetOutputBinding(string name, string variableId, string typeName = "Object") =>
        Properties[name] = new JsonObject { ["typeName"] = typeName, ["memoryReference"] = new JsonObject { ["id"] = variableId } };

    /// <summary>The raw JSON of a plain (non-wrapped) property, or null.</summary>
    public JsonNode? GetRaw(string name) => Properties[name];

    /// <summary>This node and all nested nodes, depth first.</summary>
    public IEnumerable<ActivityNode> Descendants()
    {
        yield return this;
        foreach (var child in Activities ?? [])
            foreach (var d in child.Descendants()) yield return d;
        foreach (var child in Children.Values)
            foreach (var d in child.Descendants()) yield return d;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {Id}";
}
