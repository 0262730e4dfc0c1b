namespace SelfSpec.TestSupport;

/// <summary>Locates the repository root and the read-only reference folder <c>../shared</c> beside it.</summary>
public static class Paths
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    /// <summary>The folder that holds <c>SelfSpecWorkflows.sln</c>.</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>The shared reference folder: <c>$SELFSPEC_SHARED</c> if set, else <c>../shared</c> beside the checkout.</summary>
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SELFSPEC_SHARED");
            var dir = string.IsNullOrEmpty(env) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")) : env;
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"The shared reference folder was not found at {dir}. CI places it beside the checkout; set SELFSPEC_SHARED to point elsewhere.");
            return dir;
        }
    }

    /// <summary>A path under <c>../shared/fixtures</c>.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Shared, "fixtures", .. parts]);

    /// <summary>A path under <c>../shared/data</c>.</summary>
    public static string SharedData(params string[] parts) => Path.Combine([Shared, "data", .. parts]);

    /// <summary>A path under <c>../shared/tools</c>. The tools run on Node.js and install their npm packages on first
    /// use, so this fails naming the Debian package when node or npm is missing.</summary>
    public static string SharedTool(string name)
    {
        ExternalReference.RequireNode();
        ExternalReference.RequireNpm();
        return Path.Combine(Shared, "tools", name);
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "SelfSpecWorkflows.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Could not find SelfSpecWorkflows.sln above " + AppContext.BaseDirectory);
    }
}
