using System.Text;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>
/// Elsa 3's JavaScript globals over one evaluation's scope: <c>getInput</c>, <c>getVariable</c>/<c>setVariable</c>,
/// <c>variables</c> (read and write), <c>getX()</c>/<c>setX(v)</c> per variable, <c>getX()</c> per workflow input,
/// <c>input</c>, the workflow identity functions and the conversions of Elsa's JavaScript module.
/// The declarations in <see cref="JavaScriptTypeDefinitions"/> list the same names.
/// </summary>
internal sealed class JavaScriptGlobals
{
    private readonly Engine _engine;
    private readonly IExpressionScope _scope;
    private readonly JsObject _variables;
    private readonly Dictionary<string, string?> _variablesAsGiven = new(StringComparer.Ordinal);

    public JavaScriptGlobals(Engine engine, IExpressionScope scope)
    {
        _engine = engine;
        _scope = scope;
        _variables = new JsObject(engine);
    }

    public void Install()
    {
        var definition = _scope.Definition;
        foreach (var (name, value) in _scope.VariablesByName)
        {
            if (!JavaScriptNames.IsIdentifier(name)) continue;
            var js = JsInterop.ToJs(_engine, value);
            _variables.Set(name, js);
            _variablesAsGiven[name] = JsInterop.Json(_engine, js);
            var pascal = JavaScriptNames.Pascalize(name);
            Function("get" + pascal, 0, _ => JsInterop.ToJs(_engine, _scope.GetVariable(name)));
            Function("set" + pascal, 1, a => SetVariable(name, Arg(a, 0)));
        }
        _engine.SetValue("variables", _variables);
        // As in Elsa, input accessors come after the variable accessors: an input hides a variable of the same name.
        var input = new JsObject(_engine);
        foreach (var (name, value) in _scope.Input) input.Set(name, JsInterop.ToJs(_engine, value));
        foreach (var port in definition.Inputs.Where(p => JavaScriptNames.IsIdentifier(p.Name)))
            Function("get" + port.Name, 0, _ => JsInterop.ToJs(_engine, _scope.Input.GetValueOrDefault(port.Name)));
        _engine.SetValue("input", input);

        Function("getInput", 1, a => JsInterop.ToJs(_engine, _scope.Input.GetValueOrDefault(Text(a, 0) ?? "")));
        Function("getVariable", 1, a => JsInterop.ToJs(_engine, _scope.GetVariable(Text(a, 0) ?? "")));
        Function("setVariable", 2, a => SetVariable(Text(a, 0) ?? "", Arg(a, 1)));
        Function("getWorkflowDefinitionId", 0, _ => definition.DefinitionId);
        Function("getWorkflowDefinitionVersionId", 0, _ => definition.Id);
        Function("getWorkflowDefinitionVersion", 0, _ => definition.Version);
        Function("getWorkflowInstanceId", 0, _ => _scope.InstanceId);
        Function("getWorkflowInstanceName", 0, _ => definition.Name);

        Function("isNullOrWhiteSpace", 1, a => string.IsNullOrWhiteSpace(Text(a, 0)));
        Function("isNullOrEmpty", 1, a => string.IsNullOrEmpty(Text(a, 0)));
        Function("toJson", 1, a => JsInterop.Json(_engine, Arg(a, 0)) is { } json ? new JsString(json) : JsValue.Undefined);
        Function("parseGuid", 1, a => Guid.TryParse(Text(a, 0), out var g)
            ? g.ToString("D") : throw Error($"parseGuid: '{Text(a, 0)}' is not a GUID"));
        Function("newGuid", 0, _ => Guid.NewGuid().ToString("D"));
        Function("newGuidString", 0, _ => Guid.NewGuid().ToString("D"));
        Function("getGuidString", 0, _ => Guid.NewGuid().ToString("D"));
        Function("newShortGuid", 0, _ => ShortGuid());
        Function("getShortGuid", 0, _ => ShortGuid());
        Function("bytesToString", 1, a => Encoding.UTF8.GetString(Bytes(a, "bytesToString")));
        Function("bytesFromString", 1, a => JsInterop.Bytes(_engine, Encoding.UTF8.GetBytes(Text(a, 0) ?? "")));
        Function("bytesToBase64", 1, a => Convert.ToBase64String(Bytes(a, "bytesToBase64")));
        Function("bytesFromBase64", 1, a => JsInterop.Bytes(_engine, FromBase64(a, "bytesFromBase64")));
        Function("stringToBase64", 1, a => Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(a, 0) ?? "")));
        Function("stringFromBase64", 1, a => Encoding.UTF8.GetString(FromBase64(a, "stringFromBase64")));
    }

    /// <summary>Writes back what the expression assigned to <c>variables.X</c> (changed or added properties only).</summary>
    public void ApplyVariableAssignments()
    {
        foreach (var key in _variables.GetOwnPropertyKeys())
        {
            var name = key.ToString();
            var value = _variables.Get(name);
            var json = JsInterop.Json(_engine, value);
            if (_variablesAsGiven.TryGetValue(name, out var given) && given == json) continue;
            Store(name, value);
        }
    }

    private JsValue SetVariable(string name, JsValue value)
    {
        Store(name, value);
        _variables.Set(name, value);
        _variablesAsGiven[name] = JsInterop.Json(_engine, value);
        return JsValue.Undefined;
    }

    /// <summary>Stores a value as the variable's declared type (an undeclared variable keeps the plain value).</summary>
    private void Store(string name, JsValue value)
    {
        var clr = JsInterop.FromJs(_engine, value);
        var declared = _scope.Definition.Variables.FirstOrDefault(v => v.Name == name);
        _scope.SetVariableByName(name, declared is null ? clr : ValueConverter.FromJson(ValueConverter.ToJson(clr), declared.TypeName, declared.IsArray));
    }

    /// <summary>A plain JavaScript function implemented here (no .NET object becomes reachable through it).</summary>
    private void Function(string name, int length, Func<JsValue[], object?> body) =>
        _engine.SetValue(name, new ClrFunction(_engine, name, (_, args) =>
        {
            var result = body(args);
            return result as JsValue ?? JsInterop.ToJs(_engine, result);
        }, length));

    private static JsValue Arg(JsValue[] args, int i) => i < args.Length ? args[i] : JsValue.Undefined;

    private static string? Text(JsValue[] args, int i)
    {
        var a = Arg(args, i);
        if (a.IsNull() || a.IsUndefined()) return null;
        return a.IsString() ? a.AsString() : TypeConverter.ToString(a);
    }

    private byte[] Bytes(JsValue[] args, string function)
    {
        var a = Arg(args, 0);
        if (a.IsUint8Array()) return a.AsUint8Array();
        throw Error($"{function}: expects a Uint8Array (as bytesFromString or bytesFromBase64 return)");
    }

    private byte[] FromBase64(JsValue[] args, string function)
    {
        try { return Convert.FromBase64String(Text(args, 0) ?? ""); }
        catch (FormatException) { throw Error($"{function}: the text is not base64"); }
    }

    private static string ShortGuid() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).Replace("/", "", StringComparison.Ordinal)
            .Replace("+", "", StringComparison.Ordinal).Replace("=", "", StringComparison.Ordinal);

    private JavaScriptException Error(string message) => new(_engine.Intrinsics.TypeError, message);
}
