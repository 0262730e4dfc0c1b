namespace SelfSpec.Parquet.Serialization;

/// <summary>Sets the Parquet column name of a property (default: the property name in snake_case).</summary>
/// <param name="name">The column name.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ParquetColumnAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>Leaves a property out of the Parquet schema.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ParquetIgnoreAttribute : Attribute;
