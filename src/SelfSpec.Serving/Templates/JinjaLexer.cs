using System.Globalization;
using System.Text;

namespace SelfSpec.Serving.Templates;

/// <summary>A template could not be parsed or rendered: an unsupported construct, a syntax error, or <c>raise_exception</c>.</summary>
public sealed class JinjaException(string message) : Exception(message);

internal enum TokenKind { Name, String, Integer, Float, Operator, End }

internal readonly record struct JinjaToken(TokenKind Kind, string Text, object? Value, int Position);

/// <summary>A piece of template source: literal text, an expression <c>{{ … }}</c> or a statement <c>{% … %}</c>.</summary>
internal readonly record struct TemplatePiece(bool IsText, bool IsStatement, string Source, int Position);

/// <summary>
/// Splits a template into text, expressions and statements with Hugging Face's chat-template settings
/// (<c>trim_blocks</c> and <c>lstrip_blocks</c> on) and the <c>-</c> whitespace control; and tokenizes tag contents.
/// </summary>
internal static class JinjaLexer
{
    public static List<TemplatePiece> Split(string source)
    {
        var pieces = new List<TemplatePiece>();
        var text = new StringBuilder();
        var i = 0;
        var trimNextNewline = false;
        var stripLeading = false;
        while (i < source.Length)
        {
            var open = FindOpen(source, i);
            var literal = source[i..(open < 0 ? source.Length : open)];
            if (stripLeading) literal = literal.TrimStart();
            else if (trimNextNewline && literal.StartsWith('\n')) literal = literal[1..];
            else if (trimNextNewline && literal.StartsWith("\r\n", StringComparison.Ordinal)) literal = literal[2..];
            trimNextNewline = stripLeading = false;
            if (open < 0)
            {
                text.Append(literal);
                break;
            }
            var kind = source[open + 1];
            var close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            var start = open + 2;
            var minus = start < source.Length && source[start] == '-';
            var plus = start < source.Length && source[start] == '+';
            if (minus || plus) start++;
            if (minus) literal = literal.TrimEnd();
            else if (kind != '{' && !plus)
            {
                // lstrip_blocks: spaces and tabs between the line start and a block or comment tag go.
                var k = open - 1;
                while (k >= i && source[k] is ' ' or '\t') k--;
                if (k < 0 || (k >= i && source[k] == '\n')) literal = literal.TrimEnd(' ', '\t');
            }
            text.Append(literal);
            var end = source.IndexOf(close, start, StringComparison.Ordinal);
            if (end < 0) throw new JinjaException($"unclosed tag '{source[open..(open + 2)]}' at offset {open}");
            var inner = source[start..end];
            if (inner.EndsWith('-'))
            {
                inner = inner[..^1];
                stripLeading = true;
            }
            else if (inner.EndsWith('+')) inner = inner[..^1];
            else if (kind != '{') trimNextNewline = true;
            i = end + 2;
            if (kind == '#') continue;
            if (text.Length > 0)
            {
                pieces.Add(new TemplatePiece(true, false, text.ToString(), open));
                text.Clear();
            }
            pieces.Add(new TemplatePiece(false, kind == '%', inner.Trim(), open));
        }
        if (text.Length > 0) pieces.Add(new TemplatePiece(true, false, text.ToString(), source.Length));
        return pieces;
    }

    private static int FindOpen(string s, int from)
    {
        for (var i = from; i < s.Length - 1; i++)
            if (s[i] == '{' && s[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private static readonly string[] Operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "="];

    public static List<JinjaToken> Tokenize(string source, int position)
    {
        var tokens = new List<JinjaToken>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (char.IsLetter(c) || c == '_')
            {
                var s = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                tokens.Add(new JinjaToken(TokenKind.Name, source[s..i], null, position + s));
                continue;
            }
            if (char.IsDigit(c))
            {
                var s = i;
                while (i < source.Length && (char.IsDigit(source[i]) || source[i] == '_')) i++;
                var isFloat = i + 1 < source.Length && source[i] == '.' && char.IsDigit(source[i + 1]);
                if (isFloat)
                {
                    i++;
                    while (i < source.Length && char.IsDigit(source[i])) i++;
                }
                var digits = source[s..i].Replace("_", "");
                tokens.Add(isFloat
                    ? new JinjaToken(TokenKind.Float, digits, double.Parse(digits, CultureInfo.InvariantCulture), position + s)
                    : new JinjaToken(TokenKind.Integer, digits, long.Parse(digits, CultureInfo.InvariantCulture), position + s));
                continue;
            }
            if (c is '\'' or '"')
            {
                var s = i++;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= source.Length) throw new JinjaException($"unterminated string at offset {position + s}");
                    var ch = source[i++];
                    if (ch == c) break;
                    if (ch == '\\' && i < source.Length)
                    {
                        var e = source[i++];
                        value.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', '\'' => '\'', '"' => '"', _ => throw new JinjaException($"unsupported escape '\\{e}' in a string at offset {position + i - 2}") });
                    }
                    else value.Append(ch);
                }
                tokens.Add(new JinjaToken(TokenKind.String, source[s..i], value.ToString(), position + s));
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0)
                ?? throw new JinjaException($"unexpected character '{c}' at offset {position + i}");
            tokens.Add(new JinjaToken(TokenKind.Operator, op, null, position + i));
            i += op.Length;
        }
        tokens.Add(new JinjaToken(TokenKind.End, "", null, position + source.Length));
        return tokens;
    }
}
