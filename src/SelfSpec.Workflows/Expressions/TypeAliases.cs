using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Expressions;

/// <summary>Elsa's type aliases (<c>String</c>, <c>Int32</c>, <c>X[]</c>, <c>List&lt;X&gt;</c>…) mapped to CLR types.</summary>
public static class TypeAliases
{
    private static readonly Dictionary<string, Type> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["String"] = typeof(string), ["Boolean"] = typeof(bool), ["Int16"] = typeof(short), ["Int32"] = typeof(int),
        ["Int64"] = typeof(long), ["Single"] = typeof(float), ["Double"] = typeof(double), ["Decimal"] = typeof(decimal),
        ["Object"] = typeof(object), ["JSON"] = typeof(JsonNode), ["ByteArray"] = typeof(byte[]), ["Guid"] = typeof(Guid),
        ["DateTime"] = typeof(DateTime), ["DateTimeOffset"] = typeof(DateTimeOffset), ["TimeSpan"] = typeof(TimeSpan),
        ["StringDictionary"] = typeof(Dictionary<string, string>), ["ObjectDictionary"] = typeof(Dictionary<string, object>),
        ["StringMap"] = typeof(Dictionary<string, string>), ["ObjectMap"] = typeof(Dictionary<string, object>),
    };

    /// <summary>The CLR type for an alias; <see cref="object"/> for unknown names (assembly-qualified Elsa types).</summary>
    public static Type Resolve(string? alias, bool isArray = false)
    {
        var type = ResolveCore(alias?.Trim() ?? "Object");
        return isArray ? type.MakeArrayType() : type;
    }

    private static Type ResolveCore(string alias)
    {
        if (Known.TryGetValue(alias, out var t)) return t;
        if (alias.EndsWith("[]", StringComparison.Ordinal)) return ResolveCore(alias[..^2]).MakeArrayType();
        if (alias.StartsWith("List<", StringComparison.Ordinal) && alias.EndsWith('>'))
            return typeof(List<>).MakeGenericType(ResolveCore(alias[5..^1]));
        if (alias.StartsWith("System.", StringComparison.Ordinal) && Type.GetType(alias, throwOnError: false) is { } clr) return clr;
        return typeof(object);
    }
}
