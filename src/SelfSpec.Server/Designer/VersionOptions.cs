using SelfSpec.Server.Api;
using SelfSpec.Workflows.Persistence;

namespace SelfSpec.Server.Designer;

/// <summary>Elsa's <c>versionOptions</c>: <c>Latest</c>, <c>Published</c>, <c>LatestOrPublished</c>, <c>LatestAndPublished</c>, <c>Draft</c>, <c>All</c> or a version number.</summary>
public sealed record VersionOptions(string Kind, int? Number = null)
{
    /// <summary>The latest version.</summary>
    public static readonly VersionOptions Latest = new("Latest");

    /// <summary>Parses the query value (case-insensitive); null or empty means Latest; anything else is a 400.</summary>
    public static VersionOptions Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Latest;
        if (int.TryParse(text, out var n))
            return n >= 1 ? new VersionOptions("Version", n) : throw ApiException.BadRequest($"versionOptions: version {n} must be 1 or more");
        foreach (var kind in new[] { "Latest", "Published", "LatestOrPublished", "LatestAndPublished", "Draft", "All" })
            if (string.Equals(text, kind, StringComparison.OrdinalIgnoreCase)) return new VersionOptions(kind);
        throw ApiException.BadRequest($"versionOptions '{text}' is not Latest, Published, LatestOrPublished, LatestAndPublished, Draft, All or a version number");
    }

    /// <summary>Whether <paramref name="record"/> matches.</summary>
    public bool Matches(WorkflowDefinitionRecord record) => Kind switch
    {
        "Latest" => record.IsLatest,
        "Published" => record.IsPublished,
        "LatestOrPublished" => record.IsLatest || record.IsPublished,
        "LatestAndPublished" => record.IsLatest && record.IsPublished,
        "Draft" => !record.IsPublished,
        "Version" => record.Version == Number,
        _ => true,
    };

    /// <summary>The one version to open from <paramref name="versions"/> (newest first), or null.</summary>
    public WorkflowDefinitionRecord? Pick(IReadOnlyList<WorkflowDefinitionRecord> versions) => Kind == "LatestOrPublished"
        ? versions.FirstOrDefault(v => v.IsPublished) ?? versions.FirstOrDefault(v => v.IsLatest)
        : versions.FirstOrDefault(Matches);
}
