using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>
/// Reads and writes Elsa 3 workflow-definition JSON. Reading ignores key case, accepts nested and legacy flat
/// connections (and a <c>$values</c> wrapper) and keeps unknown keys and unknown activity types verbatim.
/// Writing emits the <c>$schema</c> line, camelCase keys, nested connections and recomputed <c>nodeId</c>s.
/// </summary>
public static class WorkflowDefinitionSerializer
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = true };
    private static readonly JsonDocumentOptions DocOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly HashSet<string> TopLevelTyped = new(StringComparer.OrdinalIgnoreCase)
        { "$schema", "id", "definitionId", "name", "description", "version", "isPublished", "variables", "inputs", "root" };

    private static readonly HashSet<string> ActivityTyped = new(StringComparer.OrdinalIgnoreCase)
        { "id", "nodeId", "name", "type", "version", "customProperties", "metadata" };

    /// <summary>Reads a definition from a file.</summary>
    public static WorkflowDefinition ReadFile(string path)
    {
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new WorkflowDefinitionException("cannot read the file: " + e.Message, path, inner: e); }
        var definition = Read(json, path);
        definition.SourceFile = Path.GetFullPath(path);
        return definition;
    }

    /// <summary>Reads a definition from JSON text; <paramref name="file"/> is only used in error messages.</summary>
    public static WorkflowDefinition Read(string json, string? file = null)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, NodeOptions, DocOptions) as JsonObject
                ?? throw new WorkflowDefinitionException("the top-level JSON value is not an object", file);
        }
        catch (JsonException e)
        {
            throw new WorkflowDefinitionException($"invalid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine}: {e.Message}", file, inner: e);
        }

        var rootActivity = root["root"] as JsonObject ?? throw new WorkflowDefinitionException("missing 'root' activity", file, field: "root");
        var definition = new WorkflowDefinition
        {
            Id = Str(root, "id") ?? Str(root, "definitionId") ?? throw new WorkflowDefinitionException("missing 'id'", file, field: "id"),
            DefinitionId = Str(root, "definitionId") ?? Str(root, "id")!,
            Name = Str(root, "name") ?? "",
            Description = Str(root, "description"),
            Version = Int(root, "version") ?? 1,
            IsPublished = root["isPublished"] is JsonValue p && p.TryGetValue<bool>(out var pub) && pub,
            Root = ReadActivity(rootActivity, "Workflow1", file),
        };
        foreach (var v in (root["variables"] as JsonArray ?? []).OfType<JsonObject>())
            definition.Variables.Add(ReadVariable(v, file));
        foreach (var i in (root["inputs"] as JsonArray ?? []).OfType<JsonObject>())
            definition.Inputs.Add(new WorkflowPortDefinition
            {
                Name = Str(i, "name") ?? throw new WorkflowDefinitionException("a workflow input has no name", file, field: "inputs"),
                Type = Str(i, "type") ?? "Object",
                Json = (JsonObject)i.DeepClone(),
            });
        foreach (var (key, value) in root)
            if (!TopLevelTyped.Contains(key))
                definition.Properties[key] = value?.DeepClone();
        return definition;
    }

    private static VariableDefinition ReadVariable(JsonObject v, string? file)
    {
        var variable = new VariableDefinition
        {
            Id = Str(v, "id") ?? Str(v, "name") ?? throw new WorkflowDefinitionException("a variable has no id", file, field: "variables"),
            Name = Str(v, "name") ?? Str(v, "id")!,
            TypeName = Str(v, "typeName") ?? "Object",
            IsArray = v["isArray"] is JsonValue a && a.TryGetValue<bool>(out var isArray) && isArray,
            Value = v["value"] switch { null => null, JsonValue s when s.TryGetValue<string>(out var text) => text, var other => other.ToJsonString() },
            StorageDriverTypeName = Str(v, "storageDriverTypeName"),
        };
        foreach (var (key, value) in v)
            if (key is not ("id" or "name" or "typeName" or "isArray" or "value" or "storageDriverTypeName"))
                variable.Extra[key] = value?.DeepClone();
        return variable;
    }

    private static ActivityNode ReadActivity(JsonObject json, string parentNodeId, string? file)
    {
        var id = Str(json, "id") ?? throw new WorkflowDefinitionException("an activity has no id", file, field: "id");
        var node = new ActivityNode
        {
            Id = id,
            Type = Str(json, "type") ?? throw new WorkflowDefinitionException("activity has no type", file, id, "type"),
            Version = Int(json, "version") ?? 1,
            Name = Str(json, "name"),
            NodeId = parentNodeId + ":" + id,
            CustomProperties = json["customProperties"] as JsonObject is { } cp ? (JsonObject)cp.DeepClone() : new JsonObject(),
            Metadata = json["metadata"] as JsonObject is { } md ? (JsonObject)md.DeepClone() : new JsonObject(),
        };
        var isFlowchart = json["activities"] is JsonArray || string.Equals(node.Type, "Elsa.Flowchart", StringComparison.Ordinal);
        if (isFlowchart)
        {
            node.Activities = (json["activities"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(a => ReadActivity(a, node.NodeId, file)).ToList();
            node.Connections = ReadConnections(json["connections"], file, id);
        }
        foreach (var (key, value) in json)
        {
            if (ActivityTyped.Contains(key)) continue;
            if (isFlowchart && (key.Equals("activities", StringComparison.OrdinalIgnoreCase)
                                || key.Equals("connections", StringComparison.OrdinalIgnoreCase)
                                || key.Equals("start", StringComparison.OrdinalIgnoreCase)))
                continue;
            if (value is JsonObject child && child["type"] is JsonValue && child["id"] is JsonValue && child["expression"] is null)
            {
                node.Children[key] = ReadActivity(child, node.NodeId, file);
                node.Properties[key] = null; // placeholder keeps the key's position
                continue;
            }
            node.Properties[key] = value?.DeepClone();
        }
        return node;
    }

    private static List<Connection> ReadConnections(JsonNode? json, string? file, string flowchartId)
    {
        if (json is JsonObject wrapper && wrapper["$values"] is JsonArray values) json = values;
        var list = new List<Connection>();
        foreach (var c in (json as JsonArray ?? []).OfType<JsonObject>())
        {
            string? source, sourcePort, target, targetPort;
            if (c["source"] is JsonObject s && c["target"] is JsonObject t)
            {
                source = Str(s, "activity"); sourcePort = Str(s, "port");
                target = Str(t, "activity"); targetPort = Str(t, "port");
            }
            else
            {
                source = Str(c, "source"); sourcePort = Str(c, "sourcePort");
                target = Str(c, "target"); targetPort = Str(c, "targetPort");
            }
            if (source is null || target is null)
                throw new WorkflowDefinitionException("a connection has no source or target", file, flowchartId, "connections");
            list.Add(new Connection(source, sourcePort ?? "Done", target, targetPort ?? "In")
            {
                Vertices = c["vertices"] is JsonArray v ? (JsonArray)v.DeepClone() : null,
            });
        }
        return list;
    }

    /// <summary>Writes a definition as indented JSON in Elsa's export shape.</summary>
    public static string Write(WorkflowDefinition definition) => ToJson(definition).ToJsonString(WriteOptions);

    /// <summary>Writes a definition to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void WriteFile(WorkflowDefinition definition, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, Write(definition), new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Elsa's export file name: <c>workflow-definition-&lt;slug&gt;-&lt;definitionId&gt;-&lt;id&gt;.json</c>.</summary>
    public static string ExportFileName(WorkflowDefinition definition)
    {
        var slug = new StringBuilder();
        foreach (var ch in definition.Name.ToLowerInvariant())
            slug.Append(char.IsLetterOrDigit(ch) ? ch : '-');
        var s = string.Join('-', slug.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
        return $"workflow-definition-{(s.Length == 0 ? "workflow" : s)}-{definition.DefinitionId}-{definition.Id}.json";
    }

    /// <summary>The definition as a JSON object.</summary>
    public static JsonObject ToJson(WorkflowDefinition definition)
    {
        var o = new JsonObject
        {
            ["$schema"] = WorkflowDefinition.SchemaUrl,
            ["id"] = definition.Id,
            ["definitionId"] = definition.DefinitionId,
            ["name"] = definition.Name,
        };
        if (definition.Description is not null) o["description"] = definition.Description;
        o["version"] = definition.Version;
        o["isPublished"] = definition.IsPublished;
        o["variables"] = new JsonArray(definition.Variables.Select(WriteVariable).ToArray<JsonNode?>());
        o["inputs"] = new JsonArray(definition.Inputs.Select(i => (JsonNode?)i.Json.DeepClone()).ToArray());
        foreach (var (key, value) in definition.Properties)
            o[key] = value?.DeepClone();
        o["root"] = WriteActivity(definition.Root, "Workflow1");
        return o;
    }

    private static JsonObject WriteVariable(VariableDefinition v)
    {
        var o = new JsonObject { ["id"] = v.Id, ["name"] = v.Name, ["typeName"] = v.TypeName, ["isArray"] = v.IsArray };
        if (v.Value is not null) o["value"] = v.Value;
        if (v.StorageDriverTypeName is not null) o["storageDriverTypeName"] = v.StorageDriverTypeName;
        foreach (var (key, value) in v.Extra) o[key] = value?.DeepClone();
        return o;
    }

    private static JsonObject WriteActivity(ActivityNode node, string parentNodeId)
    {
        var nodeId = parentNodeId + ":" + node.Id;
        var o = new JsonObject();
        foreach (var (key, value) in node.Properties)
        {
            if (node.Children.TryGetValue(key, out var child)) { o[key] = WriteActivity(child, nodeId); continue; }
            o[key] = value is JsonObject input && input["expression"] is not null && input["memoryReference"] is not null
                ? WithoutMemoryReference(input) // 3.0–3.5 exports carry it on inputs; Elsa ignores it on read and drops it on write
                : value?.DeepClone();
        }
        o["id"] = node.Id;
        o["nodeId"] = nodeId;
        if (node.Name is not null) o["name"] = node.Name;
        o["type"] = node.Type;
        o["version"] = node.Version;
        o["customProperties"] = node.CustomProperties.DeepClone();
        o["metadata"] = node.Metadata.DeepClone();
        if (node.Activities is not null)
        {
            o["activities"] = new JsonArray(node.Activities.Select(a => (JsonNode?)WriteActivity(a, nodeId)).ToArray());
            o["connections"] = new JsonArray((node.Connections ?? []).Select(c => (JsonNode?)WriteConnection(c)).ToArray());
        }
        return o;
    }

    private static JsonObject WithoutMemoryReference(JsonObject input)
    {
        var copy = (JsonObject)input.DeepClone();
        copy.Remove("memoryReference");
        return copy;
    }

    private static JsonObject WriteConnection(Connection c)
    {
        var o = new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = c.Source, ["port"] = c.SourcePort },
            ["target"] = new JsonObject { ["activity"] = c.Target, ["port"] = c.TargetPort },
        };
        if (c.Vertices is not null) o["vertices"] = c.Vertices.DeepClone();
        return o;
    }

    private static string? Str(JsonObject o, string key) => o[key] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    private static int? Int(JsonObject o, string key) => o[key] switch
    {
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, out var j) => j,
        _ => null,
    };
}
