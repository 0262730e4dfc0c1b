namespace SelfSpec.Serving.Templates;

/// <summary>Parses template pieces into a tree: for/if/elif/else/set/break/continue statements and Jinja expressions.</summary>
internal sealed class JinjaParser
{
    private readonly List<TemplatePiece> pieces;
    private int index;

    private JinjaParser(List<TemplatePiece> pieces) => this.pieces = pieces;

    public static List<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Split(source));
        var body = parser.ParseBlock(out var end);
        if (end is not null) throw new JinjaException($"unexpected '{{% {end} %}}' with no open block");
        return body;
    }

    /// <summary>Nodes until a statement that ends the block (endfor, else, …), which is returned in <paramref name="end"/>.</summary>
    private List<Node> ParseBlock(out string? end)
    {
        var nodes = new List<Node>();
        while (index < pieces.Count)
        {
            var piece = pieces[index++];
            if (piece.IsText) { nodes.Add(new TextNode(piece.Source)); continue; }
            var tokens = new TokenStream(JinjaLexer.Tokenize(piece.Source, piece.Position));
            if (!piece.IsStatement)
            {
                nodes.Add(new OutputNode(tokens.ParseWhole()));
                continue;
            }
            var keyword = tokens.ExpectName();
            switch (keyword)
            {
                case "if": nodes.Add(ParseIf(tokens)); break;
                case "for": nodes.Add(ParseFor(tokens)); break;
                case "set": nodes.Add(ParseSet(tokens)); break;
                case "break" or "continue":
                    tokens.ExpectEnd();
                    nodes.Add(new LoopControlNode(keyword == "break"));
                    break;
                case "elif" or "else" or "endif" or "endfor":
                    end = keyword;
                    index--;
                    return nodes;
                default:
                    throw new JinjaException($"unsupported statement '{{% {keyword} %}}' at offset {piece.Position}");
            }
        }
        end = null;
        return nodes;
    }

    private TokenStream Closing()
    {
        var piece = pieces[index++];
        var tokens = new TokenStream(JinjaLexer.Tokenize(piece.Source, piece.Position));
        tokens.ExpectName();
        return tokens;
    }

    private IfNode ParseIf(TokenStream head)
    {
        var branches = new List<(Expr, List<Node>)>();
        var condition = head.ParseWhole();
        List<Node>? elseBody = null;
        while (true)
        {
            var body = ParseBlock(out var end);
            branches.Add((condition, body));
            if (end is null) throw new JinjaException("'{% if %}' is not closed with '{% endif %}'");
            var tokens = Closing();
            if (end == "elif") { condition = tokens.ParseWhole(); continue; }
            if (end == "else")
            {
                tokens.ExpectEnd();
                elseBody = ParseBlock(out end);
                if (end != "endif") throw new JinjaException("'{% else %}' of an if must be followed by '{% endif %}'");
                Closing().ExpectEnd();
                break;
            }
            if (end != "endif") throw new JinjaException($"'{{% {end} %}}' inside an if");
            tokens.ExpectEnd();
            break;
        }
        return new IfNode(branches, elseBody);
    }

    private ForNode ParseFor(TokenStream head)
    {
        var targets = new List<string> { head.ExpectName() };
        while (head.TryOperator(",")) targets.Add(head.ExpectName());
        if (head.ExpectName() != "in") throw new JinjaException("expected 'in' in '{% for %}'");
        var iterable = head.ParseExpression(allowConditional: false);
        Expr? filter = null;
        if (head.TryName("if")) filter = head.ParseExpression(allowConditional: false);
        if (head.TryName("recursive")) throw new JinjaException("recursive loops are not supported");
        head.ExpectEnd();
        var body = ParseBlock(out var end);
        List<Node>? elseBody = null;
        if (end == "else")
        {
            Closing().ExpectEnd();
            elseBody = ParseBlock(out end);
        }
        if (end != "endfor") throw new JinjaException("'{% for %}' is not closed with '{% endfor %}'");
        Closing().ExpectEnd();
        return new ForNode(targets, iterable, filter, body, elseBody);
    }

    private static SetNode ParseSet(TokenStream head)
    {
        var name = head.ExpectName();
        string? attribute = null;
        if (head.TryOperator(".")) attribute = head.ExpectName();
        if (!head.TryOperator("=")) throw new JinjaException("block '{% set %}' … '{% endset %}' is not supported; use '{% set name = value %}'");
        return new SetNode(name, attribute, head.ParseWhole());
    }
}

/// <summary>Expression parsing over one tag's tokens (Jinja's precedence: conditional, or, and, not, comparisons/in/is, ~, +-, */ // %, unary, postfix, filters).</summary>
internal sealed class TokenStream(List<JinjaToken> tokens)
{
    private int i;

    private JinjaToken Peek => tokens[i];

    public Expr ParseWhole()
    {
        var e = ParseExpression(allowConditional: true);
        ExpectEnd();
        return e;
    }

    public void ExpectEnd()
    {
        if (Peek.Kind != TokenKind.End) throw new JinjaException($"unexpected '{Peek.Text}' at offset {Peek.Position}");
    }

    public string ExpectName()
    {
        if (Peek.Kind != TokenKind.Name) throw new JinjaException($"expected a name at offset {Peek.Position}, found '{Peek.Text}'");
        return tokens[i++].Text;
    }

    public bool TryName(string name)
    {
        if (Peek.Kind != TokenKind.Name || Peek.Text != name) return false;
        i++;
        return true;
    }

    public bool TryOperator(string op)
    {
        if (Peek.Kind != TokenKind.Operator || Peek.Text != op) return false;
        i++;
        return true;
    }

    private void Expect(string op)
    {
        if (!TryOperator(op)) throw new JinjaException($"expected '{op}' at offset {Peek.Position}, found '{Peek.Text}'");
    }

    public Expr ParseExpression(bool allowConditional)
    {
        var e = ParseOr();
        if (allowConditional && TryName("if"))
        {
            var condition = ParseOr();
            Expr? otherwise = TryName("else") ? ParseExpression(true) : null;
            return new Conditional(condition, e, otherwise);
        }
        return e;
    }

    private Expr ParseOr()
    {
        var e = ParseAnd();
        while (TryName("or")) e = new Binary("or", e, ParseAnd());
        return e;
    }

    private Expr ParseAnd()
    {
        var e = ParseNot();
        while (TryName("and")) e = new Binary("and", e, ParseNot());
        return e;
    }

    private Expr ParseNot() => TryName("not") ? new Unary("not", ParseNot()) : ParseCompare();

    private Expr ParseCompare()
    {
        var e = ParseConcat();
        while (true)
        {
            if (Peek.Kind == TokenKind.Operator && Peek.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                var op = tokens[i++].Text;
                e = new Binary(op, e, ParseConcat());
            }
            else if (TryName("in")) e = new Binary("in", e, ParseConcat());
            else if (Peek.Kind == TokenKind.Name && Peek.Text == "not" && tokens[i + 1].Kind == TokenKind.Name && tokens[i + 1].Text == "in")
            {
                i += 2;
                e = new Unary("not", new Binary("in", e, ParseConcat()));
            }
            else if (TryName("is"))
            {
                var negated = TryName("not");
                var name = ExpectName();
                var args = new List<Expr>();
                if (TryOperator("(")) args = ParseArgs(out _);
                else if (Peek.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float) args.Add(ParsePrimary());
                e = new Test(e, name, args, negated);
            }
            else return e;
        }
    }

    private Expr ParseConcat()
    {
        var e = ParseAdditive();
        while (TryOperator("~")) e = new Binary("~", e, ParseAdditive());
        return e;
    }

    private Expr ParseAdditive()
    {
        var e = ParseMultiplicative();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "+" or "-")
        {
            var op = tokens[i++].Text;
            e = new Binary(op, e, ParseMultiplicative());
        }
        return e;
    }

    private Expr ParseMultiplicative()
    {
        var e = ParseUnary();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "*" or "/" or "//" or "%")
        {
            var op = tokens[i++].Text;
            e = new Binary(op, e, ParseUnary());
        }
        return e;
    }

    private Expr ParseUnary()
    {
        if (TryOperator("-")) return new Unary("-", ParseUnary());
        if (TryOperator("+")) return ParseUnary();
        return ParseFilters(ParsePostfix(ParsePrimary()));
    }

    private Expr ParseFilters(Expr e)
    {
        while (TryOperator("|"))
        {
            var name = ExpectName();
            var args = new List<Expr>();
            if (TryOperator("("))
            {
                args = ParseArgs(out var kwargs);
                if (kwargs.Count > 0) throw new JinjaException($"keyword arguments to the filter '{name}' are not supported");
            }
            e = ParsePostfix(new Filter(e, name, args));
        }
        return e;
    }

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            if (TryOperator(".")) e = new GetAttr(e, ExpectName());
            else if (TryOperator("["))
            {
                Expr? start = null, stop = null, step = null;
                var isSlice = false;
                if (!(Peek.Kind == TokenKind.Operator && Peek.Text == ":")) start = ParseExpression(true);
                if (TryOperator(":"))
                {
                    isSlice = true;
                    if (!(Peek.Kind == TokenKind.Operator && Peek.Text is "]" or ":")) stop = ParseExpression(true);
                    if (TryOperator(":") && !(Peek.Kind == TokenKind.Operator && Peek.Text == "]")) step = ParseExpression(true);
                }
                Expect("]");
                e = isSlice ? new Slice(e, start, stop, step) : new GetItem(e, start!);
            }
            else if (TryOperator("("))
            {
                var args = ParseArgs(out var kwargs);
                e = new Call(e, args, kwargs);
            }
            else return e;
        }
    }

    /// <summary>Arguments after '(' up to and including ')'.</summary>
    private List<Expr> ParseArgs(out List<(string, Expr)> kwargs)
    {
        var args = new List<Expr>();
        kwargs = [];
        if (TryOperator(")")) return args;
        do
        {
            if (Peek.Kind == TokenKind.Name && tokens[i + 1].Kind == TokenKind.Operator && tokens[i + 1].Text == "=")
            {
                var name = tokens[i].Text;
                i += 2;
                kwargs.Add((name, ParseExpression(true)));
            }
            else args.Add(ParseExpression(true));
        } while (TryOperator(","));
        Expect(")");
        return args;
    }

    private Expr ParsePrimary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.String:
                i++;
                var s = (string)t.Value!;
                while (Peek.Kind == TokenKind.String) s += (string)tokens[i++].Value!; // adjacent literals concatenate
                return new Literal(s);
            case TokenKind.Integer or TokenKind.Float:
                i++;
                return new Literal(t.Value);
            case TokenKind.Name:
                i++;
                return t.Text switch
                {
                    "true" or "True" => new Literal(true),
                    "false" or "False" => new Literal(false),
                    "none" or "None" => new Literal(null),
                    _ => new Name(t.Text),
                };
            case TokenKind.Operator when t.Text == "(":
                i++;
                var inner = ParseExpression(true);
                if (TryOperator(","))
                {
                    var items = new List<Expr> { inner };
                    if (!(Peek.Kind == TokenKind.Operator && Peek.Text == ")"))
                        do items.Add(ParseExpression(true)); while (TryOperator(",") && !(Peek.Kind == TokenKind.Operator && Peek.Text == ")"));
                    Expect(")");
                    return new ListExpr(items);
                }
                Expect(")");
                return inner;
            case TokenKind.Operator when t.Text == "[":
                i++;
                var list = new List<Expr>();
                if (!TryOperator("]"))
                {
                    do
                    {
                        if (Peek.Kind == TokenKind.Operator && Peek.Text == "]") break;
                        list.Add(ParseExpression(true));
                    } while (TryOperator(","));
                    Expect("]");
                }
                return new ListExpr(list);
            case TokenKind.Operator when t.Text == "{":
                i++;
                var pairs = new List<(Expr, Expr)>();
                if (!TryOperator("}"))
                {
                    do
                    {
                        if (Peek.Kind == TokenKind.Operator && Peek.Text == "}") break;
                        var key = ParseExpression(true);
                        Expect(":");
                        pairs.Add((key, ParseExpression(true)));
                    } while (TryOperator(","));
                    Expect("}");
                }
                return new DictExpr(pairs);
            default:
                throw new JinjaException($"unexpected '{t.Text}' at offset {t.Position}");
        }
    }
}
