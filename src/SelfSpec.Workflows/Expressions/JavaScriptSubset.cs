using System.Text.RegularExpressions;

namespace SelfSpec.Workflows.Expressions;

/// <summary>
/// Runs the small JavaScript subset Elsa workflows use for conditions and counters by translating it to C#:
/// <c>getX()</c> and <c>getVariable("X")</c>/<c>getInput("X")</c> read a variable or input, <c>setX(v)</c> writes one,
/// <c>variables.X</c> reads one; <c>===</c>/<c>!==</c>, single-quoted strings and <c>let</c>/<c>const</c> are mapped.
/// (No JavaScript engine restores here; anything beyond this subset fails with a clear error.)
/// </summary>
internal static partial class JavaScriptSubset
{
    public static string ToCSharp(string js)
    {
        var s = GetNamed().Replace(js, m => $"Get(\"{m.Groups[1].Value}\")");
        s = GetByName().Replace(s, m => $"Get({m.Groups[1].Value})");
        s = SetNamed().Replace(s, m => $"Set(\"{m.Groups[1].Value}\", ");
        s = VariablesDot().Replace(s, "Variables.");
        s = s.Replace("===", "==", StringComparison.Ordinal).Replace("!==", "!=", StringComparison.Ordinal);
        s = SingleQuoted().Replace(s, m => "\"" + m.Groups[1].Value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        s = Declarations().Replace(s, "var ");
        return s;
    }

    [GeneratedRegex(@"\bget(?!Variable\b|Input\b)([A-Za-z_]\w*)\(\s*\)")]
    private static partial Regex GetNamed();

    [GeneratedRegex(@"\bget(?:Variable|Input)\(\s*(""[^""]*""|'[^']*')\s*\)")]
    private static partial Regex GetByName();

    [GeneratedRegex(@"\bset([A-Za-z_]\w*)\(")]
    private static partial Regex SetNamed();

    [GeneratedRegex(@"\bvariables\.")]
    private static partial Regex VariablesDot();

    [GeneratedRegex(@"'((?:[^'\\]|\\.)*)'")]
    private static partial Regex SingleQuoted();

    [GeneratedRegex(@"\b(?:let|const)\s+")]
    private static partial Regex Declarations();
}
