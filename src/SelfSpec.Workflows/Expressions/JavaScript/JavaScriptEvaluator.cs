using System.Collections.Concurrent;
using Acornima;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Runtime;

namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>
/// Evaluates JavaScript expressions with Jint (the engine Elsa uses), one fresh sandboxed engine per evaluation:
/// no CLR access, and the time, memory, statement and recursion limits of <see cref="JavaScriptOptions"/>.
/// Scripts are parsed once per distinct text. Failures are <see cref="FormatException"/>s saying what went wrong.
/// </summary>
internal static class JavaScriptEvaluator
{
    private const int MaxCachedScripts = 4096;
    private static readonly ConcurrentDictionary<string, Prepared<Script>> Scripts = new(StringComparer.Ordinal);

    // As Elsa: a top-level `return` ends the expression with its value.
    private static readonly ScriptPreparationOptions Preparation = new() { ParsingOptions = new ScriptParsingOptions { AllowReturnOutsideFunction = true } };

    public static object? Evaluate(string code, IExpressionScope scope, CancellationToken ct)
    {
        var limits = scope.JavaScript;
        var script = Prepare(code);
        var engine = new Engine(options =>
        {
            options.Strict(limits.Strict);
            options.TimeoutInterval(limits.TimeLimit);
            options.LimitMemory(limits.MemoryLimitBytes);
            options.MaxStatements(limits.MaxStatements);
            options.LimitRecursion(limits.RecursionLimit);
            options.CancellationToken(ct);
            options.Interop.AllowGetType = false;
            options.Interop.AllowSystemReflection = false;
        });
        var globals = new JavaScriptGlobals(engine, scope);
        globals.Install();
        try
        {
            var result = engine.Evaluate(script).UnwrapIfPromise();
            globals.ApplyVariableAssignments();
            return JsInterop.FromJs(engine, result);
        }
        catch (ExecutionCanceledException) when (ct.IsCancellationRequested) { throw new OperationCanceledException(ct); }
        catch (Exception e) when (Describe(e, limits) is { } problem)
        {
            throw new FormatException($"JavaScript {problem} (code: {Excerpt(code)})", e);
        }
    }

    /// <summary>The syntax error in <paramref name="code"/>, or null if it parses.</summary>
    public static string? SyntaxError(string code)
    {
        try { Prepare(code); return null; }
        catch (FormatException e) { return e.Message; }
    }

    private static Prepared<Script> Prepare(string code)
    {
        if (Scripts.TryGetValue(code, out var cached)) return cached;
        Prepared<Script> script;
        try { script = Engine.PrepareScript(code, options: Preparation); }
        catch (Exception e) when ((e as ParseErrorException ?? e.InnerException as ParseErrorException) is { } parse)
        {
            throw new FormatException($"JavaScript syntax error: {parse.Error?.Description ?? parse.Message} (line {parse.LineNumber}, column {parse.Column}) (code: {Excerpt(code)})", e);
        }
        if (Scripts.Count >= MaxCachedScripts) Scripts.Clear();
        return Scripts.GetOrAdd(code, script);
    }

    private static string? Describe(Exception e, JavaScriptOptions limits) => e switch
    {
        JavaScriptException js => $"error: {ErrorName(js.Error)}{js.Message}{At(js.Location)}",
        StatementsCountOverflowException => $"statement limit exceeded: more than {limits.MaxStatements:N0} statements",
        MemoryLimitExceededException => $"memory limit exceeded: more than {limits.MemoryLimitBytes:N0} bytes allocated",
        RecursionDepthOverflowException => $"recursion limit exceeded: calls nested deeper than {limits.RecursionLimit}",
        TimeoutException => $"time limit exceeded: ran longer than {limits.TimeLimit.TotalSeconds:0.###} s",
        ExecutionCanceledException => "evaluation was cancelled",
        FormatException f => f.Message,
        _ => null,
    };

    /// <summary>"TypeError: " for a thrown error object; nothing for a thrown string or number.</summary>
    private static string ErrorName(JsValue error) =>
        error is Jint.Native.Object.ObjectInstance o && o.Get("name") is { } name && name.IsString() && name.AsString().Length > 0 ? name.AsString() + ": " : "";

    private static string At(SourceLocation location) =>
        location.Start.Line > 0 ? $" (line {location.Start.Line}, column {location.Start.Column + 1})" : "";

    private static string Excerpt(string code)
    {
        var oneLine = code.ReplaceLineEndings(" ").Trim();
        return oneLine.Length > 200 ? oneLine[..200] + "…" : oneLine;
    }
}
