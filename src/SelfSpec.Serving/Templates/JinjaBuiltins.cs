namespace SelfSpec.Serving.Templates;

/// <summary>The functions, methods, filters and tests chat templates use.</summary>
internal static class Builtins
{
    public static object? Function(string name, List<object?> args, Dictionary<string, object?> kwargs)
    {
        switch (name)
        {
            case "raise_exception":
                throw new JinjaException(args.Count > 0 ? Values.Str(args[0]) : "raise_exception() was called");
            case "namespace":
                var ns = new Namespace();
                foreach (var (k, v) in kwargs) ns[k] = v;
                return ns;
            case "range":
                var ints = args.Select(a => a is long l ? l : throw new JinjaException("range() takes integers")).ToArray();
                var (start, stop, step) = ints.Length switch
                {
                    1 => (0L, ints[0], 1L),
                    2 => (ints[0], ints[1], 1L),
                    3 => (ints[0], ints[1], ints[2]),
                    _ => throw new JinjaException("range() takes 1 to 3 arguments"),
                };
                if (step == 0) throw new JinjaException("range() step cannot be zero");
                var list = new List<object?>();
                for (var i = start; step > 0 ? i < stop : i > stop; i += step)
                {
                    list.Add(i);
                    if (list.Count > 100_000) throw new JinjaException("range() is too long");
                }
                return list;
            default:
                throw new JinjaException($"unknown function '{name}'");
        }
    }

    public static object? Method(object? target, string name, List<object?> args, Dictionary<string, object?> kwargs)
    {
        if (kwargs.Count > 0) throw new JinjaException($"keyword arguments to '.{name}()' are not supported");
        string Arg(int i) => args.Count > i && args[i] is string s ? s : throw new JinjaException($"'.{name}()' expects a string argument");
        switch (target)
        {
            case string s:
                return name switch
                {
                    "strip" => args.Count == 0 ? s.Trim() : s.Trim(Arg(0).ToCharArray()),
                    "lstrip" => args.Count == 0 ? s.TrimStart() : s.TrimStart(Arg(0).ToCharArray()),
                    "rstrip" => args.Count == 0 ? s.TrimEnd() : s.TrimEnd(Arg(0).ToCharArray()),
                    "upper" => s.ToUpperInvariant(),
                    "lower" => s.ToLowerInvariant(),
                    "title" => Title(s),
                    "capitalize" => Capitalize(s),
                    "startswith" => s.StartsWith(Arg(0), StringComparison.Ordinal),
                    "endswith" => s.EndsWith(Arg(0), StringComparison.Ordinal),
                    "replace" => Arg(0).Length == 0 ? throw new JinjaException("replacing an empty string is not supported") : s.Replace(Arg(0), Arg(1), StringComparison.Ordinal),
                    "split" => (args.Count == 0 ? s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : s.Split(Arg(0))).Select(x => (object?)x).ToList(),
                    _ => throw new JinjaException($"unsupported string method '.{name}()'"),
                };
            case Dictionary<string, object?> d:
                return name switch
                {
                    "items" => d.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList(),
                    "keys" => d.Keys.Select(k => (object?)k).ToList(),
                    "values" => d.Values.ToList(),
                    "get" => args.Count > 0 && args[0] is string k && d.TryGetValue(k, out var v) ? v : args.Count > 1 ? args[1] : null,
                    _ => throw new JinjaException($"unsupported method '.{name}()'"),
                };
            case Undefined u:
                throw new JinjaException($"'{u.Name}' is undefined (calling '.{name}()')");
            default:
                throw new JinjaException($"a {Values.TypeName(target)} has no method '.{name}()'");
        }
    }

    public static object? Filter(string name, object? value, List<object?> args)
    {
        switch (name)
        {
            case "trim": return Values.Str(value).Trim();
            case "lower": return Values.Str(value).ToLowerInvariant();
            case "upper": return Values.Str(value).ToUpperInvariant();
            case "capitalize": return Capitalize(Values.Str(value));
            case "title": return Title(Values.Str(value));
            case "string": return Values.Str(value);
            case "length" or "count":
                return value switch
                {
                    string s => (long)s.Length,
                    System.Collections.ICollection c => (long)c.Count,
                    Undefined => 0L,
                    _ => throw new JinjaException($"a {Values.TypeName(value)} has no length"),
                };
            case "default" or "d":
                var boolean = args.Count > 1 && Values.Truthy(args[1]);
                return value is Undefined || (boolean && !Values.Truthy(value)) ? (args.Count > 0 ? args[0] : "") : value;
            case "first": return Values.Iterate(value).FirstOrDefault(new Undefined("first"));
            case "last": return value is List<object?> l && l.Count > 0 ? l[^1] : value is string s2 && s2.Length > 0 ? s2[^1].ToString() : new Undefined("last");
            case "list": return Values.Iterate(value).ToList();
            case "reverse":
                return value is string rs ? new string(rs.Reverse().ToArray()) : Values.Iterate(value).Reverse().ToList();
            case "join": return string.Join(args.Count > 0 ? Values.Str(args[0]) : "", Values.Iterate(value).Select(Values.Str));
            case "int":
                return value switch
                {
                    long l2 => l2,
                    double d => (long)Math.Truncate(d),
                    bool b => b ? 1L : 0L,
                    string s3 when long.TryParse(s3.Trim(), out var p) => p,
                    _ => args.Count > 0 ? args[0] : 0L,
                };
            default: throw new JinjaException($"unsupported filter '{name}'");
        }
    }

    public static bool Test(string name, object? value, List<object?> args) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is Dictionary<string, object?>,
        "sequence" or "iterable" => value is List<object?> or string or Dictionary<string, object?>,
        "even" => value is long l && l % 2 == 0,
        "odd" => value is long l2 && l2 % 2 != 0,
        "equalto" or "eq" or "sameas" => args.Count == 1 ? Values.Equal(value, args[0]) : throw new JinjaException($"the test '{name}' takes one argument"),
        "ne" => args.Count == 1 ? !Values.Equal(value, args[0]) : throw new JinjaException("the test 'ne' takes one argument"),
        _ => throw new JinjaException($"unsupported test '{name}'"),
    };

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Title(string s)
    {
        var chars = s.ToCharArray();
        var start = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = start ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            start = !char.IsLetter(chars[i]);
        }
        return new string(chars);
    }
}
