namespace SelfSpec.Workflows.Activities;

/// <summary>
/// Marks a <see cref="WorkflowActivity"/> class as an activity type. The type name is
/// <c>Namespace + "." + (Type ?? class name)</c>, as in Elsa: <c>[Activity("SelfSpec")] class Evaluate</c> is <c>SelfSpec.Evaluate</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string @namespace) : Attribute
{
    /// <summary>The type-name prefix, e.g. <c>SelfSpec</c>.</summary>
    public string Namespace { get; } = @namespace;

    /// <summary>The type-name suffix; the class name when null.</summary>
    public string? Type { get; set; }

    /// <summary>The type version; part of every cache key, so bump it when the activity's results change.</summary>
    public int Version { get; set; } = 1;

    /// <summary>The designer category; the namespace when null.</summary>
    public string? Category { get; set; }

    /// <summary>A one-line description.</summary>
    public string? Description { get; set; }

    /// <summary>The outcome names (ports) the activity can emit; <c>Done</c> when empty.</summary>
    public string[] Outcomes { get; set; } = [];

    /// <summary>
    /// Whether a completed execution may be reused by another run whose cache key matches (default true).
    /// Set false for activities with side effects outside their artifact folder.
    /// </summary>
    public bool Cacheable { get; set; } = true;
}

/// <summary>Marks a public settable property of an activity as an input, read from the definition's wrapped input of the same (camelCased) name.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ActivityInputAttribute : Attribute
{
    /// <summary>The JSON key; the camelCased property name when null.</summary>
    public string? Name { get; set; }

    /// <summary>A description for the designer and <c>validate</c>.</summary>
    public string? Description { get; set; }

    /// <summary>When true, <c>validate</c> reports the activity if the input is not set, and the run faults.</summary>
    public bool Required { get; set; }

    /// <summary>The fixed values a string input accepts (the designer shows a dropdown); empty when any value goes.</summary>
    public string[] Choices { get; set; } = [];

    /// <summary>Whether the designer edits the input in a multi-line box (prompts, templates, JSON).</summary>
    public bool MultiLine { get; set; }
}

/// <summary>Marks a public property of an activity as an output; it is read after execution and bound to a variable.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ActivityOutputAttribute : Attribute
{
    /// <summary>The JSON key; the camelCased property name when null.</summary>
    public string? Name { get; set; }

    /// <summary>A description for the designer.</summary>
    public string? Description { get; set; }
}

/// <summary>
/// Marks an <c>int</c> input as the activity's batch size. When the activity throws
/// <see cref="Resilience.ResourceExhaustedException"/> and its resilience strategy halves on out-of-memory,
/// the runtime retries with this property halved.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BatchSizeAttribute : Attribute;
