using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Expressions;

/// <summary>Converts expression results (CLR values, JSON nodes, strings) to the types activity properties declare.</summary>
public static class ValueConverter
{
    /// <summary>The JSON options used for values throughout the runtime.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Converts <paramref name="value"/> to <paramref name="target"/>; throws <see cref="FormatException"/> if it cannot.</summary>
    public static object? Convert(object? value, Type target)
    {
        value = Unwrap(value);
        if (value is null) return target.IsValueType && Nullable.GetUnderlyingType(target) is null ? Activator.CreateInstance(target) : null;
        if (target == typeof(object) || target.IsInstanceOfType(value)) return value;
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        try
        {
            if (underlying == typeof(string))
                return value switch { JsonNode n => n.ToJsonString(), IFormattable f => f.ToString(null, CultureInfo.InvariantCulture), _ => value.ToString() };
            if (underlying.IsEnum)
                return value is string s ? Enum.Parse(underlying, s, ignoreCase: true) : Enum.ToObject(underlying, System.Convert.ToInt64(value, CultureInfo.InvariantCulture));
            if (underlying == typeof(JsonNode) || underlying == typeof(JsonObject) || underlying == typeof(JsonArray))
                return JsonSerializer.SerializeToNode(value, Json);
            if (value is string text)
            {
                if (underlying == typeof(Guid)) return Guid.Parse(text);
                if (underlying == typeof(TimeSpan)) return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
                if (underlying == typeof(DateTimeOffset)) return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
                if (underlying == typeof(DateTime)) return DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                if (underlying.IsPrimitive || underlying == typeof(decimal))
                    return System.Convert.ChangeType(text, underlying, CultureInfo.InvariantCulture);
                if (text.TrimStart() is ['{', ..] or ['[', ..])
                    return JsonSerializer.Deserialize(text, target, Json);
            }
            if ((underlying.IsPrimitive || underlying == typeof(decimal)) && value is IConvertible)
                return System.Convert.ChangeType(value, underlying, CultureInfo.InvariantCulture);
            var node = value as JsonNode ?? JsonSerializer.SerializeToNode(value, value.GetType(), Json);
            return node.Deserialize(target, Json);
        }
        catch (Exception e) when (e is InvalidCastException or JsonException or OverflowException or ArgumentException or NotSupportedException)
        {
            throw new FormatException($"cannot convert {Describe(value)} to {target.Name}: {e.Message}", e);
        }
    }

    /// <summary>Turns JSON primitives into CLR primitives (string, long/double, bool) and leaves everything else.</summary>
    public static object? Unwrap(object? value) => value switch
    {
        JsonElement e => Unwrap(JsonNode.Parse(e.GetRawText())),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => NumberOf(v),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        _ => value,
    };

    private static object NumberOf(JsonValue v)
    {
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return (long)i;
        if (v.TryGetValue<double>(out var d)) return d;
        // A value created from another CLR numeric type: go through its JSON text.
        using var doc = JsonDocument.Parse(v.ToJsonString());
        return doc.RootElement.TryGetInt64(out var x) ? x : doc.RootElement.GetDouble();
    }

    /// <summary>A value as JSON (null stays null).</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), Json),
    };

    /// <summary>Reads back a value stored with <see cref="ToJson"/> as the given Elsa type alias.</summary>
    public static object? FromJson(JsonNode? json, string typeName, bool isArray = false)
    {
        if (json is null) return null;
        var type = TypeAliases.Resolve(typeName, isArray);
        if (type != typeof(object)) return Convert(json, type);
        // An artifact reference stored in an Object variable comes back as one, as it was when the activity wrote it.
        return json is JsonObject o && Activities.ArtifactRef.FromJson(o) is { } artifact ? artifact : Unwrap(json);
    }

    private static string Describe(object value)
    {
        var text = value is JsonNode n ? n.ToJsonString() : value is IEnumerable and not string ? JsonSerializer.Serialize(value, Json) : value.ToString();
        return text is { Length: > 60 } ? $"'{text[..60]}…'" : $"'{text}'";
    }
}
