using System.Text.RegularExpressions;

namespace SelfSpec.Workflows.Expressions.JavaScript;

/// <summary>How Elsa names the accessor functions of variables and inputs.</summary>
internal static partial class JavaScriptNames
{
    /// <summary>Whether <paramref name="name"/> can stand in a JavaScript identifier (Elsa skips variables whose name cannot).</summary>
    public static bool IsIdentifier(string name) => Identifier().IsMatch(name);

    /// <summary>
    /// Elsa's accessor name (Humanizer's Pascalize): the first letter and every letter after <c>_</c> or spaces upper-cased,
    /// the separators dropped — <c>documentCount</c> → <c>DocumentCount</c>, <c>my_var</c> → <c>MyVar</c>.
    /// </summary>
    public static string Pascalize(string name) => Separator().Replace(name, m => m.Groups[1].Value.ToUpperInvariant());

    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?:^|_| +)(.)")]
    private static partial Regex Separator();
}
