namespace SelfSpec.Serving.Templates;

internal abstract record Node;
internal sealed record TextNode(string Text) : Node;
internal sealed record OutputNode(Expr Value) : Node;
internal sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else) : Node;
internal sealed record ForNode(List<string> Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node>? Else) : Node;
internal sealed record SetNode(string Name, string? Attribute, Expr Value) : Node;
internal sealed record LoopControlNode(bool IsBreak) : Node;

internal abstract record Expr;
internal sealed record Literal(object? Value) : Expr;
internal sealed record Name(string Id) : Expr;
internal sealed record GetAttr(Expr Target, string Attribute) : Expr;
internal sealed record GetItem(Expr Target, Expr Key) : Expr;
internal sealed record Slice(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr;
internal sealed record Call(Expr Function, List<Expr> Args, List<(string Name, Expr Value)> Kwargs) : Expr;
internal sealed record Filter(Expr Value, string Name, List<Expr> Args) : Expr;
internal sealed record Test(Expr Value, string Name, List<Expr> Args, bool Negated) : Expr;
internal sealed record Unary(string Op, Expr Operand) : Expr;
internal sealed record Binary(string Op, Expr Left, Expr Right) : Expr;
internal sealed record Conditional(Expr Condition, Expr Then, Expr? Else) : Expr;
internal sealed record ListExpr(List<Expr> Items) : Expr;
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items) : Expr;
