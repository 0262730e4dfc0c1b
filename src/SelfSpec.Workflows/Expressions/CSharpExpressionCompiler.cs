using System.Collections.Concurrent;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace SelfSpec.Workflows.Expressions;

/// <summary>Compiles C# expressions with Roslyn scripting once per distinct source text and caches the delegate.</summary>
internal static class CSharpExpressionCompiler
{
    private static readonly ConcurrentDictionary<string, Lazy<ScriptRunner<object?>>> Cache = new(StringComparer.Ordinal);

    private static readonly ScriptOptions Options = ScriptOptions.Default
        .AddReferences(typeof(object).Assembly, typeof(Enumerable).Assembly, typeof(Microsoft.CSharp.RuntimeBinder.Binder).Assembly,
            typeof(System.Dynamic.ExpandoObject).Assembly, typeof(System.Text.Json.Nodes.JsonNode).Assembly, typeof(ExpressionGlobals).Assembly)
        .AddImports("System", "System.Linq", "System.Collections.Generic", "System.Text.Json.Nodes");

    public static ScriptRunner<object?> Compile(string code) =>
        Cache.GetOrAdd(code, c => new Lazy<ScriptRunner<object?>>(() =>
        {
            var script = CSharpScript.Create<object?>(c, Options, typeof(ExpressionGlobals));
            var errors = script.Compile().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) throw new FormatException(string.Join("; ", errors.Select(e => e.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
            return script.CreateDelegate();
        })).Value;
}
