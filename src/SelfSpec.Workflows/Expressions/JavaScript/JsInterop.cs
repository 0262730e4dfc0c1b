using System.Globalization;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Json;

namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>
/// Moves values across the sandbox boundary as plain JavaScript data, never as wrapped .NET objects: primitives as
/// primitives, byte arrays as <c>Uint8Array</c>, Guids, dates and time spans as strings, everything else as its JSON.
/// Back in .NET, integral numbers become <see cref="int"/> (or <see cref="long"/>), other numbers <see cref="double"/>,
/// objects and arrays <see cref="JsonNode"/>s, which <see cref="ValueConverter"/> turns into the declared type.
/// </summary>
internal static class JsInterop
{
    private const double MaxSafeInteger = 9007199254740991d;

    public static JsValue ToJs(Engine engine, object? value) => ValueConverter.Unwrap(value) switch
    {
        // (Unwrap turns JSON primitives into CLR ones first.)
        null => JsValue.Null,
        string s => new JsString(s),
        bool b => b ? JsBoolean.True : JsBoolean.False,
        byte[] bytes => Bytes(engine, bytes),
        Guid g => new JsString(g.ToString("D")),
        DateTime d => new JsString(d.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset d => new JsString(d.ToString("O", CultureInfo.InvariantCulture)),
        TimeSpan t => new JsString(t.ToString("c", CultureInfo.InvariantCulture)),
        Enum e => new JsString(e.ToString()),
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
            new JsNumber(Convert.ToDouble(ValueConverter.Unwrap(value), CultureInfo.InvariantCulture)),
        var other => new JsonParser(engine).Parse(ValueConverter.ToJson(other)!.ToJsonString()),
    };

    public static object? FromJs(Engine engine, JsValue value)
    {
        if (value.IsNull() || value.IsUndefined()) return null;
        if (value.IsBoolean()) return value.AsBoolean();
        if (value.IsString()) return value.AsString();
        if (value.IsNumber()) return Number(value.AsNumber());
        if (value.IsUint8Array()) return value.AsUint8Array();
        if (value is Jint.Native.Function.Function || value.IsSymbol())
            throw new FormatException($"the expression returned a {(value.IsSymbol() ? "symbol" : "function")}, which is not a value");
        var json = Json(engine, value) ?? throw new FormatException("the expression returned a value that has no JSON form");
        var node = JsonNode.Parse(json);
        return node is JsonValue ? ValueConverter.Unwrap(node) : node; // a Date comes back as its ISO string
    }

    /// <summary>A <c>Uint8Array</c> holding a copy of <paramref name="bytes"/>.</summary>
    public static JsValue Bytes(Engine engine, byte[] bytes) => engine.Intrinsics.Uint8Array.Construct(bytes);

    /// <summary>The value as JSON text (JSON.stringify), or null where JSON.stringify gives undefined.</summary>
    public static string? Json(Engine engine, JsValue value)
    {
        var text = new JsonSerializer(engine).Serialize(value);
        return text.IsString() ? text.AsString() : null;
    }

    private static object Number(double d)
    {
        if (double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) <= MaxSafeInteger)
            return d is >= int.MinValue and <= int.MaxValue ? (int)d : (object)(long)d;
        return d;
    }
}
