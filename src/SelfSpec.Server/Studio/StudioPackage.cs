using System.Text.Json.Nodes;

namespace SelfSpec.Server.Studio;

/// <summary>
/// The unpacked <c>@elsa-workflows/elsa-studio-wasm</c> package that <c>scripts/fetch-studio.sh</c> places in
/// <c>.selfspec/studio/&lt;version&gt;/</c> (never committed).
/// </summary>
public sealed class StudioPackage
{
    /// <summary>The package version this server's API is written against.</summary>
    public const string PinnedVersion = "3.8.2";

    /// <summary>The environment variable naming a Studio folder explicitly.</summary>
    public const string DirectoryVariable = "SELFSPEC_STUDIO_DIR";

    private StudioPackage(string directory, string version)
    {
        Directory = directory;
        Version = version;
    }

    /// <summary>The folder holding <c>_framework/</c> and <c>_content/</c>.</summary>
    public string Directory { get; }

    /// <summary>The package version (from its <c>package.json</c>).</summary>
    public string Version { get; }

    /// <summary>The package at <paramref name="directory"/>, or null when it is not a complete Studio package.</summary>
    public static StudioPackage? At(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(full, "_framework", "blazor.webassembly.js"))) return null;
        var version = "unknown";
        try
        {
            if (JsonNode.Parse(File.ReadAllText(Path.Combine(full, "package.json")))?["version"] is JsonValue v) version = v.ToString();
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException) { }
        return new StudioPackage(full, version);
    }

    /// <summary>
    /// Finds Studio: <paramref name="explicitDirectory"/>, else <c>$SELFSPEC_STUDIO_DIR</c>, else
    /// <c>.selfspec/studio/3.8.2</c> in the current folder or any folder above this program. Null when absent.
    /// </summary>
    public static StudioPackage? Locate(string? explicitDirectory = null)
    {
        if (!string.IsNullOrEmpty(explicitDirectory)) return At(explicitDirectory);
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } env) return At(env);
        foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (At(Path.Combine(dir.FullName, ".selfspec", "studio", PinnedVersion)) is { } found) return found;
        return null;
    }
}
