using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>An Elsa 3 workflow definition (one version of it), as read from or written to JSON.</summary>
public sealed class WorkflowDefinition
{
    /// <summary>The <c>$schema</c> URL written first by Elsa exports (Studio's importer requires it).</summary>
    public const string SchemaUrl = "https://elsaworkflows.io/schemas/workflow-definition/v3.0.0/schema.json";

    /// <summary>The version id.</summary>
    public required string Id { get; set; }

    /// <summary>The id shared by all versions of the definition.</summary>
    public required string DefinitionId { get; set; }

    /// <summary>The workflow name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The description, if any.</summary>
    public string? Description { get; set; }

    /// <summary>The version number.</summary>
    public int Version { get; set; } = 1;

    /// <summary>Whether this version is published.</summary>
    public bool IsPublished { get; set; }

    /// <summary>The declared variables.</summary>
    public List<VariableDefinition> Variables { get; set; } = [];

    /// <summary>The declared workflow inputs.</summary>
    public List<WorkflowPortDefinition> Inputs { get; set; } = [];

    /// <summary>The root activity, normally an <c>Elsa.Flowchart</c>.</summary>
    public required ActivityNode Root { get; set; }

    /// <summary>Every other top-level key in file order (createdAt, toolVersion, outputs, options, customProperties…), kept verbatim.</summary>
    public JsonObject Properties { get; set; } = new(new JsonNodeOptions { PropertyNameCaseInsensitive = true });

    /// <summary>The file this definition was read from, if any (not serialized).</summary>
    public string? SourceFile { get; set; }

    /// <summary>Every activity in the definition (root included), depth first.</summary>
    public IEnumerable<ActivityNode> AllActivities() => Root.Descendants();

    /// <summary>The variable with the given id or, failing that, name; null if none.</summary>
    public VariableDefinition? FindVariable(string idOrName) =>
        Variables.FirstOrDefault(v => v.Id == idOrName) ?? Variables.FirstOrDefault(v => v.Name == idOrName);
}
