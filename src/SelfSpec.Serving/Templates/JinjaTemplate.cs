using System.Globalization;
using System.Text;

namespace SelfSpec.Serving.Templates;

/// <summary>
/// A small Jinja interpreter for chat templates, rendering as Python's jinja2 does with Hugging Face's settings
/// (<c>trim_blocks</c>, <c>lstrip_blocks</c>, the <c>loopcontrols</c> extension): for (with <c>loop.*</c>, a filter
/// condition and else), if/elif/else, set (also <c>namespace</c> attributes), break/continue, Python-style values and
/// operators (<c>+ - * / // % ~</c>, comparisons, <c>in</c>, <c>and/or/not</c>, conditional expressions, slices), the
/// string and dict methods templates call (<c>strip</c>, <c>startswith</c>, <c>items</c>, <c>get</c>, …), common
/// filters (<c>trim</c>, <c>length</c>, <c>default</c>, <c>join</c>, …), tests (<c>defined</c>, <c>none</c>, <c>string</c>, …)
/// and <c>raise_exception</c>. Anything else is a <see cref="JinjaException"/>, never a silently different prompt.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Node> body;

    private JinjaTemplate(List<Node> body) => this.body = body;

    /// <summary>Parses a template.</summary>
    /// <exception cref="JinjaException">A syntax error or an unsupported construct.</exception>
    public static JinjaTemplate Parse(string source) => new(JinjaParser.Parse(source));

    /// <summary>Renders with the given variables (strings, numbers, booleans, null, lists and string-keyed dictionaries).</summary>
    /// <exception cref="JinjaException">An unsupported operation, a type error, or the template's own <c>raise_exception</c>.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var output = new StringBuilder();
        var scope = new Scope(null);
        foreach (var (k, v) in variables) scope.Values[k] = Convert(v);
        new Renderer(output).Run(body, scope);
        return output.ToString();
    }

    private static object? Convert(object? v) => v switch
    {
        null or string or bool or long or double => v,
        int i => (long)i,
        float f => (double)f,
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Convert(kv.Value)),
        System.Collections.IEnumerable e => e.Cast<object?>().Select(Convert).ToList(),
        _ => throw new ArgumentException($"a template variable of type {v.GetType().Name} is not supported"),
    };

    private sealed class Scope(Scope? parent)
    {
        public Dictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);

        public object? Get(string name)
        {
            for (var s = this; s != null; s = s.Parent)
                if (s.Values.TryGetValue(name, out var v)) return v;
            return new Undefined(name);
        }

        public Scope? Parent { get; } = parent;
    }

    private sealed class LoopExit(bool isBreak) : Exception
    {
        public bool IsBreak { get; } = isBreak;
    }

    private sealed class Renderer(StringBuilder output)
    {
        private int steps;

        public void Run(List<Node> nodes, Scope scope)
        {
            foreach (var node in nodes)
            {
                if (++steps > 1_000_000) throw new JinjaException("the template ran too long");
                switch (node)
                {
                    case TextNode t: output.Append(t.Text); break;
                    case OutputNode o: output.Append(Values.Str(Eval(o.Value, scope))); break;
                    case IfNode i:
                        var taken = false;
                        foreach (var (condition, branch) in i.Branches)
                            if (Values.Truthy(Eval(condition, scope)))
                            {
                                Run(branch, scope);
                                taken = true;
                                break;
                            }
                        if (!taken && i.Else != null) Run(i.Else, scope);
                        break;
                    case ForNode f: RunFor(f, scope); break;
                    case SetNode s:
                        var value = Eval(s.Value, scope);
                        if (s.Attribute is null) scope.Values[s.Name] = value;
                        else if (scope.Get(s.Name) is Namespace ns) ns[s.Attribute] = value;
                        else throw new JinjaException($"cannot assign the attribute '{s.Attribute}' of '{s.Name}': it is not a namespace()");
                        break;
                    case LoopControlNode l: throw new LoopExit(l.IsBreak);
                }
            }
        }

        private void RunFor(ForNode f, Scope scope)
        {
            var items = Values.Iterate(Eval(f.Iterable, scope)).ToList();
            if (f.Filter != null)
                items = items.Where(item =>
                {
                    var probe = new Scope(scope);
                    Bind(probe, f.Targets, item);
                    return Values.Truthy(Eval(f.Filter, probe));
                }).ToList();
            if (items.Count == 0)
            {
                if (f.Else != null) Run(f.Else, scope);
                return;
            }
            for (var k = 0; k < items.Count; k++)
            {
                // Each iteration has its own scope: a set inside the loop does not leak out (jinja2's rule).
                var inner = new Scope(scope);
                Bind(inner, f.Targets, items[k]);
                inner.Values["loop"] = new Dictionary<string, object?>
                {
                    ["index"] = (long)k + 1, ["index0"] = (long)k, ["first"] = k == 0, ["last"] = k == items.Count - 1,
                    ["length"] = (long)items.Count, ["revindex"] = (long)(items.Count - k), ["revindex0"] = (long)(items.Count - k - 1),
                    ["previtem"] = k > 0 ? items[k - 1] : new Undefined("loop.previtem"),
                    ["nextitem"] = k < items.Count - 1 ? items[k + 1] : new Undefined("loop.nextitem"),
                };
                try { Run(f.Body, inner); }
                catch (LoopExit exit)
                {
                    if (exit.IsBreak) break;
                }
            }
        }

        private static void Bind(Scope scope, List<string> targets, object? item)
        {
            if (targets.Count == 1)
            {
                scope.Values[targets[0]] = item;
                return;
            }
            var parts = Values.Iterate(item).ToList();
            if (parts.Count != targets.Count) throw new JinjaException($"cannot unpack {parts.Count} values into {targets.Count} loop variables");
            for (var i = 0; i < targets.Count; i++) scope.Values[targets[i]] = parts[i];
        }

        private object? Eval(Expr e, Scope scope)
        {
            switch (e)
            {
                case Literal l: return l.Value;
                case Name n: return scope.Get(n.Id);
                case ListExpr l: return l.Items.Select(x => Eval(x, scope)).ToList();
                case DictExpr d:
                    var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var (k, v) in d.Items) dict[Eval(k, scope) as string ?? throw new JinjaException("dictionary keys must be strings")] = Eval(v, scope);
                    return dict;
                case GetAttr a: return Values.Attribute(Eval(a.Target, scope), a.Attribute);
                case GetItem g: return Values.Item(Eval(g.Target, scope), Eval(g.Key, scope));
                case Slice s:
                    return Values.SliceOf(Eval(s.Target, scope), s.Start is null ? null : Eval(s.Start, scope), s.Stop is null ? null : Eval(s.Stop, scope),
                        s.Step is null ? null : Eval(s.Step, scope));
                case Unary u:
                    var operand = Eval(u.Operand, scope);
                    return u.Op == "not" ? !Values.Truthy(operand) : Values.Negate(operand);
                case Binary b when b.Op == "and":
                    var left = Eval(b.Left, scope);
                    return Values.Truthy(left) ? Eval(b.Right, scope) : left;
                case Binary b when b.Op == "or":
                    var first = Eval(b.Left, scope);
                    return Values.Truthy(first) ? first : Eval(b.Right, scope);
                case Binary b: return Values.Apply(b.Op, Eval(b.Left, scope), Eval(b.Right, scope));
                case Conditional c:
                    return Values.Truthy(Eval(c.Condition, scope)) ? Eval(c.Then, scope) : c.Else is null ? new Undefined("else") : Eval(c.Else, scope);
                case Filter f: return Builtins.Filter(f.Name, Eval(f.Value, scope), f.Args.Select(x => Eval(x, scope)).ToList());
                case Test t:
                    var result = Builtins.Test(t.Name, Eval(t.Value, scope), t.Args.Select(x => Eval(x, scope)).ToList());
                    return t.Negated ? !result : result;
                case Call c:
                    var args = c.Args.Select(x => Eval(x, scope)).ToList();
                    var kwargs = c.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, scope));
                    if (c.Function is Name fn && scope.Get(fn.Id) is Undefined) return Builtins.Function(fn.Id, args, kwargs);
                    if (c.Function is GetAttr method)
                        return Builtins.Method(Eval(method.Target, scope), method.Attribute, args, kwargs);
                    throw new JinjaException("only built-in functions and methods can be called");
                default: throw new JinjaException($"unsupported expression {e.GetType().Name}");
            }
        }
    }
}

/// <summary>jinja2's undefined value: falsy, renders as nothing, equal only to another undefined; most operations on it fail.</summary>
internal sealed record Undefined(string Name);

/// <summary>The object <c>namespace()</c> makes: attributes assignable from inside loops.</summary>
internal sealed class Namespace : Dictionary<string, object?>
{
    public Namespace() : base(StringComparer.Ordinal) { }
}
