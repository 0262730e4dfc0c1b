using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Definitions;

/// <summary>
/// An Elsa expression: <c>{"type": "Literal", "value": ...}</c>. <see cref="Type"/> is the syntax
/// (Literal, Object, Variable, Input, CSharp, JavaScript…); <see cref="Value"/> is kept as JSON exactly as read.
/// </summary>
/// <param name="Type">The expression syntax name.</param>
/// <param name="Value">The expression value (a JSON primitive, or for <c>Variable</c> possibly an object); null when absent.</param>
public sealed record Expression(string Type, JsonNode? Value)
{
    /// <summary>A literal expression holding <paramref name="value"/>.</summary>
    public static Expression Literal(JsonNode? value) => new("Literal", value);

    /// <summary>A C# expression (Roslyn scripting).</summary>
    public static Expression CSharp(string code) => new("CSharp", JsonValue.Create(code));

    /// <summary>The value as text (a string value, or the JSON of anything else); null if absent.</summary>
    public string? ValueText => Value switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => Value.ToJsonString(),
    };
}

/// <summary>A wrapped activity input: <c>{"typeName": "String", "expression": {...}}</c>.</summary>
/// <param name="TypeName">The Elsa type alias (String, Int32, Object, <c>X[]</c>, or an assembly-qualified name).</param>
/// <param name="Expression">How the value is computed.</param>
public sealed record InputValue(string TypeName, Expression Expression);
