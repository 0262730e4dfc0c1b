namespace SelfSpec.TestSupport;

/// <summary>Trait names and values used to select test subsets (<c>dotnet test --filter "Category!=Slow"</c>).</summary>
public static class Category
{
    /// <summary>The trait name.</summary>
    public const string Name = "Category";

    /// <summary>End-to-end or heavy tests: excluded from the quick local subset, always run on CI.</summary>
    public const string Slow = "Slow";
}
