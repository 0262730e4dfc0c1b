using System.Reflection;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Activities.BuiltIn;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Expressions;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Designer;

/// <summary>
/// Studio's toolbox: an Elsa activity descriptor for every activity in the <see cref="ActivityRegistry"/>, plus one for
/// every (type, version) pair found in a stored definition that the registry does not describe — an older version of a
/// known activity or an unknown type — so the editor draws, and keeps, every activity it opens (trap 2).
/// </summary>
public sealed class ElsaActivityDescriptors(ActivityRegistry registry)
{
    private static readonly HashSet<string> TriggerTypes = new(StringComparer.Ordinal) { "Elsa.Cron" };
    private static readonly string[] MultiLineWords = ["prompt", "template", "json", "text", "script", "expression", "message"];

    private readonly Lazy<IReadOnlyList<JsonObject>> _registered = new(() => BuildRegistered(registry));

    private sealed record CachedList(string Fingerprint, string Json);

    private volatile CachedList? _cached;

    /// <summary>The descriptors for <paramref name="store"/>'s definitions: the registry's, then those only stored definitions need.</summary>
    public JsonArray All(WorkflowStore store) => All(store.ListAllDefinitionVersions().Select(r => r.Json));

    /// <summary>
    /// <c>{items, count}</c> for <paramref name="store"/> as JSON text, rebuilt only when a stored version was added,
    /// changed or deleted since the last call (the editor asks on every start).
    /// </summary>
    public string ListJson(WorkflowStore store)
    {
        var records = store.ListAllDefinitionVersions();
        var fingerprint = string.Join('|', records.Select(r => $"{r.Id}:{r.UpdatedAt.UtcTicks}"));
        if (_cached is { } cached && cached.Fingerprint == fingerprint) return cached.Json;
        var items = All(records.Select(r => r.Json));
        var json = new JsonObject { ["items"] = items, ["count"] = items.Count }.ToJsonString();
        _cached = new CachedList(fingerprint, json);
        return json;
    }

    /// <summary>The descriptors covering the definitions given as JSON text.</summary>
    public JsonArray All(IEnumerable<string> definitionJson)
    {
        var result = new JsonArray();
        var covered = new HashSet<(string, int)>();
        foreach (var d in _registered.Value)
        {
            result.Add(d.DeepClone());
            covered.Add(((string)d["typeName"]!, (int)d["version"]!));
        }
        var extra = new Dictionary<(string, int), List<ActivityNode>>();
        var ports = new Dictionary<(string, int), HashSet<string>>();
        foreach (var json in definitionJson)
        {
            WorkflowDefinition definition;
            try { definition = WorkflowDefinitionSerializer.Read(json); }
            catch (WorkflowDefinitionException) { continue; }
            var byId = definition.AllActivities().GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.First());
            foreach (var node in definition.AllActivities())
            {
                var key = (node.Type, node.Version);
                if (covered.Contains(key)) continue;
                if (!extra.TryGetValue(key, out var nodes)) extra[key] = nodes = [];
                nodes.Add(node);
            }
            foreach (var flowchart in definition.AllActivities().Where(a => a.IsFlowchart))
                foreach (var c in flowchart.Connections ?? [])
                    if (byId.TryGetValue(c.Source, out var source))
                    {
                        var key = (source.Type, source.Version);
                        if (!ports.TryGetValue(key, out var set)) ports[key] = set = new HashSet<string>(StringComparer.Ordinal);
                        set.Add(c.SourcePort);
                    }
        }
        foreach (var ((type, version), nodes) in extra.OrderBy(e => e.Key.Item1, StringComparer.Ordinal).ThenBy(e => e.Key.Item2))
            result.Add(ForStoredOnly(type, version, nodes, ports.GetValueOrDefault((type, version))));
        return result;
    }

    private static IReadOnlyList<JsonObject> BuildRegistered(ActivityRegistry registry)
    {
        var list = new List<JsonObject> { Flowchart() };
        list.AddRange(registry.All.Select(Describe));
        return list;
    }

    /// <summary>The descriptor of a registered activity type.</summary>
    public static JsonObject Describe(ActivityDescriptor d)
    {
        WorkflowActivity? defaults = null;
        try { defaults = d.Factory(); } catch (Exception e) when (e is TargetInvocationException or InvalidOperationException) { }
        var inputs = new JsonArray();
        var order = 0;
        foreach (var input in d.Inputs)
            inputs.Add(Input(input, defaults, order++));
        var outputs = new JsonArray(d.Outputs.Select(o => (JsonNode?)new JsonObject
        {
            ["name"] = Pascal(o.Name), ["typeName"] = TypeName(o.ClrType), ["displayName"] = Words(Pascal(o.Name)),
            ["description"] = o.Description, ["isBrowsable"] = true,
        }).ToArray());
        var terminal = FlowchartTypes.IsTerminal(d.TypeName);
        var ports = terminal ? new JsonArray() : new JsonArray(d.Outcomes.Select(p => (JsonNode?)Port(p)).ToArray());
        if (d.ClrType == typeof(ForEach)) ports.Add(new JsonObject { ["name"] = "Body", ["displayName"] = "Body", ["type"] = "Embedded", ["isBrowsable"] = true });
        return Descriptor(d.TypeName, d.Version, d.Category, d.Description, inputs, outputs, ports,
            kind: TriggerTypes.Contains(d.TypeName) ? "Trigger" : "Action", isStart: d.TypeName == "Elsa.Start", isTerminal: terminal);
    }

    private static JsonObject Input(ActivityPortDescriptor input, WorkflowActivity? defaults, int order)
    {
        var attribute = input.Property.GetCustomAttribute<ActivityInputAttribute>();
        var clr = Nullable.GetUnderlyingType(input.ClrType) ?? input.ClrType;
        var choices = attribute?.Choices is { Length: > 0 } c ? c : clr.IsEnum ? Enum.GetNames(clr) : [];
        string uiHint;
        JsonObject? ui = null;
        if (choices.Length > 0)
        {
            uiHint = "dropdown";
            ui = new JsonObject
            {
                ["dropdown"] = new JsonObject
                {
                    ["selectList"] = new JsonObject
                    {
                        ["items"] = new JsonArray(choices.Select(v => (JsonNode?)new JsonObject { ["text"] = v, ["value"] = v }).ToArray()),
                        ["isFlagsEnum"] = false,
                    },
                },
            };
        }
        else if (clr == typeof(bool)) uiHint = "checkbox";
        else if (attribute?.MultiLine == true || clr == typeof(JsonNode) || clr == typeof(JsonObject)
                 || (clr == typeof(string) && MultiLineWords.Any(w => input.Name.Contains(w, StringComparison.OrdinalIgnoreCase)))) uiHint = "multiline";
        else uiHint = "singleline";
        JsonNode? defaultValue = null;
        if (defaults is not null && input.Property.GetValue(defaults) is { } value && !(value is string s && s.Length == 0))
            defaultValue = ValueConverter.ToJson(value) is JsonValue v ? v : null;
        var description = input.Description ?? "";
        if (input.Required) description = description.Length == 0 ? "Required." : description + " (required)";
        return new JsonObject
        {
            ["name"] = Pascal(input.Name),
            ["typeName"] = TypeName(input.ClrType),
            ["displayName"] = Words(Pascal(input.Name)),
            ["description"] = description,
            ["order"] = order,
            ["isWrapped"] = true,
            ["uiHint"] = uiHint,
            ["category"] = null,
            ["defaultSyntax"] = "Literal",
            ["defaultValue"] = defaultValue,
            ["isBrowsable"] = true,
            ["isReadOnly"] = false,
            ["isSensitive"] = false,
            ["isSynthetic"] = false,
            ["autoEvaluate"] = true,
            ["uiSpecifications"] = ui,
            ["storageDriverType"] = null,
        };
    }

    /// <summary>A descriptor for a (type, version) only stored definitions use: inputs, outputs and ports as they appear there.</summary>
    private JsonObject ForStoredOnly(string type, int version, List<ActivityNode> nodes, HashSet<string>? usedPorts)
    {
        if (registry.Find(type) is { } known)
        {
            var older = Describe(known);
            older["version"] = version;
            older["description"] = $"{known.Description} (version {version} as stored; this runtime has version {known.Version})";
            return older;
        }
        var inputNames = new List<string>();
        var outputNames = new List<string>();
        var typeNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var node in nodes)
            foreach (var (key, value) in node.Properties)
            {
                if (value is not JsonObject o || node.Children.ContainsKey(key)) continue;
                var list = o["expression"] is not null ? inputNames : o["memoryReference"] is not null ? outputNames : null;
                if (list is null || list.Contains(key, StringComparer.OrdinalIgnoreCase)) continue;
                list.Add(key);
                typeNames[key] = o["typeName"] is JsonValue tn && tn.TryGetValue<string>(out var t) ? t : "Object";
            }
        var inputs = new JsonArray(inputNames.Select((n, i) => (JsonNode?)new JsonObject
        {
            ["name"] = Pascal(n), ["typeName"] = typeNames[n], ["displayName"] = Words(Pascal(n)), ["description"] = "",
            ["order"] = i, ["isWrapped"] = true, ["uiHint"] = "singleline", ["defaultSyntax"] = "Literal", ["defaultValue"] = null,
            ["isBrowsable"] = true, ["isReadOnly"] = false, ["isSensitive"] = false, ["uiSpecifications"] = null, ["storageDriverType"] = null,
        }).ToArray());
        var outputs = new JsonArray(outputNames.Select(n => (JsonNode?)new JsonObject
        {
            ["name"] = Pascal(n), ["typeName"] = typeNames[n], ["displayName"] = Words(Pascal(n)), ["description"] = "", ["isBrowsable"] = true,
        }).ToArray());
        var ports = new JsonArray((usedPorts is { Count: > 0 } ? usedPorts.Order(StringComparer.Ordinal).ToArray() : ["Done"]).Select(p => (JsonNode?)Port(p)).ToArray());
        return Descriptor(type, version, "Unknown to this runtime",
            $"{type} v{version} is not an activity this runtime can run; it is kept as stored so that saving loses nothing.",
            inputs, outputs, ports, kind: "Action", isStart: false, isTerminal: false);
    }

    private static JsonObject Flowchart() => Descriptor(FlowchartTypes.Flowchart, 1, "Flow", "A flowchart of activities connected by their outcomes.",
        [], [], [], kind: "Action", isStart: false, isTerminal: false, isContainer: true);

    private static JsonObject Descriptor(string typeName, int version, string category, string? description, JsonArray inputs, JsonArray outputs,
        JsonArray ports, string kind, bool isStart, bool isTerminal, bool isContainer = false)
    {
        var dot = typeName.LastIndexOf('.');
        var name = dot < 0 ? typeName : typeName[(dot + 1)..];
        return new JsonObject
        {
            ["typeName"] = typeName,
            ["namespace"] = dot < 0 ? "" : typeName[..dot],
            ["name"] = name,
            ["version"] = version,
            ["category"] = category,
            ["displayName"] = Words(name),
            ["description"] = description ?? "",
            ["kind"] = kind,
            ["inputs"] = inputs,
            ["outputs"] = outputs,
            ["ports"] = ports,
            ["customProperties"] = new JsonObject(),
            ["constructionProperties"] = new JsonObject(),
            ["attributes"] = new JsonArray(),
            ["isContainer"] = isContainer,
            ["isBrowsable"] = true,
            ["isStart"] = isStart,
            ["isTerminal"] = isTerminal,
        };
    }

    private static JsonObject Port(string name) => new() { ["name"] = name, ["displayName"] = name, ["type"] = "Flow", ["isBrowsable"] = true };

    /// <summary>Elsa's type alias for a CLR type (<c>String</c>, <c>Int32</c>, <c>X[]</c>…; <c>Object</c> for our own types).</summary>
    public static string TypeName(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) return TypeName(t.GetElementType()!) + "[]";
        if (t.IsEnum || t == typeof(string)) return "String";
        if (t == typeof(JsonNode) || t == typeof(JsonObject) || t == typeof(JsonArray)) return "JSON";
        return Type.GetTypeCode(t) switch
        {
            TypeCode.Boolean => "Boolean", TypeCode.Int16 => "Int16", TypeCode.Int32 => "Int32", TypeCode.Int64 => "Int64",
            TypeCode.Single => "Single", TypeCode.Double => "Double", TypeCode.Decimal => "Decimal", TypeCode.DateTime => "DateTime",
            _ => t == typeof(TimeSpan) ? "TimeSpan" : t == typeof(DateTimeOffset) ? "DateTimeOffset" : t == typeof(Guid) ? "Guid" : "Object",
        };
    }

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];

    /// <summary><c>GenerateInstructions</c> → <c>Generate Instructions</c>.</summary>
    private static string Words(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1])))
                sb.Append(' ');
            sb.Append(name[i]);
        }
        return sb.ToString();
    }
}
