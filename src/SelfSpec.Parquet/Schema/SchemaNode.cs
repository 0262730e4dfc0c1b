using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Schema;

/// <summary>A node of the schema tree: a group (with children) or a primitive leaf column.</summary>
public sealed class SchemaNode
{
    private readonly List<SchemaNode> _children = [];

    internal SchemaNode(SchemaElement element, SchemaNode? parent)
    {
        Element = element;
        Parent = parent;
        Repetition = element.RepetitionType ?? Repetition.Required;
        if (parent == null)
        {
            DefinitionLevel = 0;
            RepetitionLevel = 0;
            Path = [];
        }
        else
        {
            DefinitionLevel = parent.DefinitionLevel + (Repetition == Repetition.Required ? 0 : 1);
            RepetitionLevel = parent.RepetitionLevel + (Repetition == Repetition.Repeated ? 1 : 0);
            Path = [.. parent.Path, element.Name];
        }
    }

    /// <summary>The footer element this node came from.</summary>
    public SchemaElement Element { get; }

    /// <summary>The name.</summary>
    public string Name => Element.Name;

    /// <summary>The parent, null for the root.</summary>
    public SchemaNode? Parent { get; }

    /// <summary>Children (empty for leaves).</summary>
    public IReadOnlyList<SchemaNode> Children => _children;

    /// <summary>REQUIRED, OPTIONAL or REPEATED.</summary>
    public Repetition Repetition { get; }

    /// <summary>Definition level reached when this node is present.</summary>
    public int DefinitionLevel { get; }

    /// <summary>Repetition level of this node.</summary>
    public int RepetitionLevel { get; }

    /// <summary>Names from the root's child down to this node.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>True for primitive (leaf) nodes.</summary>
    public bool IsLeaf => Element.Type != null;

    /// <summary>The leaf column, for leaves.</summary>
    public ColumnDescriptor? Column { get; internal set; }

    /// <summary>Whether this group is annotated LIST.</summary>
    public bool IsListAnnotated => Element.ConvertedType == ConvertedType.List || Element.LogicalType?.Kind == LogicalTypeKind.List;

    /// <summary>Whether this group is annotated MAP.</summary>
    public bool IsMapAnnotated => Element.ConvertedType is ConvertedType.Map or ConvertedType.MapKeyValue || Element.LogicalType?.Kind == LogicalTypeKind.Map;

    internal void AddChild(SchemaNode child) => _children.Add(child);

    /// <summary>Leaf columns under this node, in file order.</summary>
    public IEnumerable<ColumnDescriptor> Leaves()
    {
        if (Column != null) yield return Column;
        foreach (var c in _children)
            foreach (var l in c.Leaves())
                yield return l;
    }

    /// <summary>
    /// For a LIST-annotated group (or a bare repeated field), the node holding one element, following the
    /// Parquet backward-compatibility rules for two-level and three-level lists. Null when this node is not a list.
    /// </summary>
    public SchemaNode? ListElement()
    {
        if (!IsLeaf && IsListAnnotated && _children.Count == 1 && _children[0].Repetition == Repetition.Repeated)
        {
            var repeated = _children[0];
            if (repeated.IsLeaf) return repeated;
            if (repeated._children.Count != 1) return repeated;
            if (repeated.Name == "array" || repeated.Name == Name + "_tuple") return repeated;
            return repeated._children[0];
        }
        return null;
    }

    /// <summary>A readable type such as <c>INT64</c>, <c>LIST&lt;STRING&gt;</c> or <c>STRUCT&lt;a: INT32&gt;</c>.</summary>
    public string DescribeType()
    {
        if (IsLeaf) return Column!.DescribeType();
        var element = ListElement();
        if (element != null) return $"LIST<{(element.Repetition == Repetition.Repeated && !element.IsLeaf ? DescribeStruct(element) : element.DescribeType())}>";
        if (IsMapAnnotated && _children.Count == 1 && _children[0].Children.Count == 2)
            return $"MAP<{_children[0].Children[0].DescribeType()}, {_children[0].Children[1].DescribeType()}>";
        return DescribeStruct(this);
    }

    private static string DescribeStruct(SchemaNode n) =>
        $"STRUCT<{string.Join(", ", n._children.Select(c => $"{c.Name}: {(c.Repetition == Repetition.Repeated ? $"LIST<{c.DescribeType()}>" : c.DescribeType())}"))}>";

    /// <inheritdoc />
    public override string ToString() => $"{string.Join('.', Path)}: {DescribeType()}";
}
