namespace SelfSpec.Parquet.Schema;

/// <summary>
/// A top-level column as the writer lays it out: a primitive, or a LIST of primitives
/// (standard three-level layout <c>name (LIST) / repeated group list / element</c>).
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Value type (of the elements, for a list).</param>
/// <param name="Nullable">Whether the column (or the list itself) may be null.</param>
public sealed record ParquetField(string Name, ParquetType Type, bool Nullable = true)
{
    /// <summary>True for a LIST column whose elements have <see cref="Type"/>.</summary>
    public bool IsList { get; init; }

    /// <summary>For a list: whether elements may be null.</summary>
    public bool ElementNullable { get; init; } = true;

    /// <summary>A LIST column of <paramref name="elementType"/>.</summary>
    public static ParquetField List(string name, ParquetType elementType, bool nullable = true, bool elementNullable = true) =>
        new(name, elementType, nullable) { IsList = true, ElementNullable = elementNullable };

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {(IsList ? $"LIST<{Type.ToString().ToUpperInvariant()}{(ElementNullable ? "" : " NOT NULL")}>" : Type.ToString().ToUpperInvariant())}{(Nullable ? "" : " NOT NULL")}";
}
