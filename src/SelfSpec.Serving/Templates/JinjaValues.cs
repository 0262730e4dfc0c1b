using System.Globalization;
using System.Text;

namespace SelfSpec.Serving.Templates;

/// <summary>Python's semantics for template values: truth, str(), equality, arithmetic, indexing and slicing.</summary>
internal static class Values
{
    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Python's str() (undefined renders as nothing).</summary>
    public static string Str(object? v) => v switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        _ => Repr(v),
    };

    /// <summary>Python's repr().</summary>
    public static string Repr(object? v) => v switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => StringRepr(s),
        Dictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => StringRepr(kv.Key) + ": " + Repr(kv.Value))) + "}",
        List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        _ => throw new JinjaException($"cannot render a {v.GetType().Name}"),
    };

    private static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var abs = Math.Abs(d);
        if (abs != 0 && (abs >= 1e16 || abs < 1e-4))
        {
            var e = d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
            var mantissaEnd = e.IndexOf('e');
            var exponent = int.Parse(e[(mantissaEnd + 1)..], CultureInfo.InvariantCulture);
            return e[..mantissaEnd] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        return r.Contains('.') || r.Contains('E') ? r : r + ".0";
    }

    private static string StringRepr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var b = new StringBuilder().Append(quote);
        foreach (var c in s)
            b.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        return b.Append(quote).ToString();
    }

    public static bool Equal(object? a, object? b) => (a, b) switch
    {
        (Undefined, Undefined) => true,
        (Undefined, _) or (_, Undefined) => false,
        (null, null) => true,
        (null, _) or (_, null) => false,
        (string x, string y) => x == y,
        (string, _) or (_, string) => false,
        _ when IsNumber(a) && IsNumber(b) => ToDouble(a) == ToDouble(b),
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second)),
        (Dictionary<string, object?> x, Dictionary<string, object?> y) => x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var o) && Equal(kv.Value, o)),
        _ => ReferenceEquals(a, b),
    };

    private static bool IsNumber(object? v) => v is long or double or bool;

    private static double ToDouble(object? v) => v switch { long l => l, double d => d, bool b => b ? 1 : 0, _ => throw new InvalidOperationException() };

    private static long ToLong(object? v) => v switch { long l => l, bool b => b ? 1 : 0, _ => throw new InvalidOperationException() };

    private static bool IsInteger(object? v) => v is long or bool;

    public static object? Negate(object? v) => v switch
    {
        long l => (object)-l,
        double d => (object)-d,
        bool b => (object)(b ? -1L : 0L),
        _ => throw TypeError("-", v, null),
    };

    public static object? Apply(string op, object? a, object? b)
    {
        switch (op)
        {
            case "==": return Equal(a, b);
            case "!=": return !Equal(a, b);
            case "<" or ">" or "<=" or ">=":
                var c = Compare(a, b, op);
                return op switch { "<" => c < 0, ">" => c > 0, "<=" => c <= 0, _ => c >= 0 };
            case "in": return Contains(b, a);
            case "~": return Str(a) + Str(b);
        }
        if (a is Undefined || b is Undefined) throw new JinjaException($"'{(a as Undefined ?? (Undefined)b!).Name}' is undefined");
        switch (op)
        {
            case "+" when a is string x && b is string y: return x + y;
            case "+" when a is List<object?> x && b is List<object?> y: return x.Concat(y).ToList();
            case "*" when a is string s && IsInteger(b): return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, ToLong(b))));
        }
        if (!IsNumber(a) || !IsNumber(b)) throw TypeError(op, a, b);
        if (op == "/") return ToDouble(a) / ToDouble(b) is var q && ToDouble(b) == 0 ? throw new JinjaException("division by zero") : q;
        if (IsInteger(a) && IsInteger(b))
        {
            long x = ToLong(a), y = ToLong(b);
            return op switch
            {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "//" => y == 0 ? throw new JinjaException("division by zero") : (long)Math.Floor((double)x / y),
                "%" => y == 0 ? throw new JinjaException("division by zero") : ((x % y) + y) % y,
                _ => throw new JinjaException($"unsupported operator '{op}'"),
            };
        }
        double p = ToDouble(a), r = ToDouble(b);
        return op switch
        {
            "+" => p + r,
            "-" => p - r,
            "*" => p * r,
            "//" => Math.Floor(p / r),
            "%" => p - r * Math.Floor(p / r),
            _ => throw new JinjaException($"unsupported operator '{op}'"),
        };
    }

    private static int Compare(object? a, object? b, string op)
    {
        if (a is string x && b is string y) return string.CompareOrdinal(x, y);
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        throw TypeError(op, a, b);
    }

    private static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        List<object?> l => l.Any(x => Equal(x, item)),
        Dictionary<string, object?> d => item is string k && d.ContainsKey(k),
        Undefined u => throw new JinjaException($"'{u.Name}' is undefined"),
        _ => throw TypeError("in", item, container),
    };

    private static JinjaException TypeError(string op, object? a, object? b) =>
        new($"unsupported operand types for '{op}': {TypeName(a)} and {TypeName(b)}");

    public static string TypeName(object? v) => v switch
    {
        null => "none",
        Undefined u => $"undefined ('{u.Name}')",
        string => "string",
        bool => "boolean",
        long => "integer",
        double => "float",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        _ => v.GetType().Name,
    };

    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        List<object?> l => l,
        Dictionary<string, object?> d => d.Keys,
        string s => s.Select(c => (object?)c.ToString()),
        Undefined => [],
        _ => throw new JinjaException($"a {TypeName(v)} cannot be iterated"),
    };

    public static object? Attribute(object? target, string name) => target switch
    {
        Dictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : new Undefined(name),
        Undefined u => throw new JinjaException($"'{u.Name}' is undefined (reading its attribute '{name}')"),
        _ => new Undefined(name),
    };

    public static object? Item(object? target, object? key)
    {
        switch (target)
        {
            case Dictionary<string, object?> d:
                return key is string k && d.TryGetValue(k, out var v) ? v : new Undefined(Str(key));
            case List<object?> l when IsInteger(key):
                var i = ToLong(key);
                if (i < 0) i += l.Count;
                return i >= 0 && i < l.Count ? l[(int)i] : new Undefined($"[{key}]");
            case string s when IsInteger(key):
                var j = ToLong(key);
                if (j < 0) j += s.Length;
                return j >= 0 && j < s.Length ? s[(int)j].ToString() : new Undefined($"[{key}]");
            case Undefined u:
                throw new JinjaException($"'{u.Name}' is undefined (reading its item {Repr(key)})");
            default:
                return new Undefined(Str(key));
        }
    }

    public static object? SliceOf(object? target, object? start, object? stop, object? step)
    {
        var st = step is null ? 1 : IsInteger(step) ? ToLong(step) : throw new JinjaException("slice steps must be integers");
        if (st == 0) throw new JinjaException("slice step cannot be zero");
        List<object?> items = target switch
        {
            List<object?> l => l,
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            _ => throw new JinjaException($"a {TypeName(target)} cannot be sliced"),
        };
        var n = items.Count;
        long Clamp(object? v, long dflt, bool forStart)
        {
            if (v is null) return dflt;
            if (!IsInteger(v)) throw new JinjaException("slice bounds must be integers");
            var x = ToLong(v);
            if (x < 0) x += n;
            return st > 0 ? Math.Clamp(x, 0, n) : Math.Clamp(x, -1, n - 1);
        }
        var from = Clamp(start, st > 0 ? 0 : n - 1, true);
        var to = Clamp(stop, st > 0 ? n : -1, false);
        var result = new List<object?>();
        for (var i = from; st > 0 ? i < to : i > to; i += st) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Select(x => (string)x!)) : result;
    }
}
