using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>A workflow variable: <c>{id, name, typeName, isArray, value, storageDriverTypeName}</c>.</summary>
public sealed class VariableDefinition
{
    /// <summary>The variable id that outputs bind to through <c>memoryReference.id</c>.</summary>
    public required string Id { get; set; }

    /// <summary>The variable name used by expressions (<c>Variables.Name</c>).</summary>
    public required string Name { get; set; }

    /// <summary>The Elsa type alias, e.g. <c>Int32</c> or <c>Object</c>.</summary>
    public string TypeName { get; set; } = "Object";

    /// <summary>Whether the variable holds an array of <see cref="TypeName"/>.</summary>
    public bool IsArray { get; set; }

    /// <summary>The default value as text (Elsa stores defaults as strings); null if none.</summary>
    public string? Value { get; set; }

    /// <summary>The storage driver type name; null means the value is not persisted by Elsa.</summary>
    public string? StorageDriverTypeName { get; set; }

    /// <summary>Any other keys from the file, written back verbatim.</summary>
    public JsonObject Extra { get; set; } = new();
}

/// <summary>A declared workflow input or output (<c>inputs[]</c>/<c>outputs[]</c> of the definition).</summary>
public sealed class WorkflowPortDefinition
{
    /// <summary>The name given on the command line (<c>--input name=value</c>) and used by expressions.</summary>
    public required string Name { get; set; }

    /// <summary>The Elsa type alias.</summary>
    public string Type { get; set; } = "Object";

    /// <summary>All keys from the file (including <c>name</c> and <c>type</c>), written back verbatim.</summary>
    public JsonObject Json { get; set; } = new();
}
