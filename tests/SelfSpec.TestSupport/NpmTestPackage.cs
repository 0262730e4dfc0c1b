namespace SelfSpec.TestSupport;

/// <summary>
/// An npm reference a test runs under node: the <c>package.json</c> (pinned versions) and scripts in a test project's
/// folder are installed into <c>.selfspec/npm/NAME</c> (ignored by git) once, under a file lock so parallel test
/// processes share one install, and again only when the package.json changes.
/// </summary>
public static class NpmTestPackage
{
    /// <summary>
    /// Installs <paramref name="sourceFolder"/>'s package.json into <c>.selfspec/npm/<paramref name="name"/></c> unless
    /// <paramref name="installedMarker"/> (a path under node_modules) already exists for the same package.json; copies the
    /// folder's <c>.mjs</c>/<c>.cjs</c> scripts beside it. Returns the install folder.
    /// </summary>
    /// <param name="name">The install folder's name.</param>
    /// <param name="sourceFolder">The test project's folder holding package.json and the scripts.</param>
    /// <param name="installedMarker">A file under node_modules that exists once the install is complete.</param>
    /// <param name="ignoreScripts">Pass <c>--ignore-scripts</c> (packages whose install scripts download binaries the tests do not need).</param>
    public static string Install(string name, string sourceFolder, string installedMarker, bool ignoreScripts = false)
    {
        var target = Path.Combine(Paths.RepoRoot, ".selfspec", "npm", name);
        Directory.CreateDirectory(target);
        using var lockFile = AcquireLock(target + ".lock");
        var wanted = File.ReadAllText(Path.Combine(sourceFolder, "package.json"));
        var stamp = Path.Combine(target, "installed-package.json");
        if (!File.Exists(stamp) || File.ReadAllText(stamp) != wanted || !File.Exists(Path.Combine(target, "node_modules", installedMarker)))
        {
            File.WriteAllText(Path.Combine(target, "package.json"), wanted);
            string[] args = ignoreScripts
                ? ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
                : ["install", "--no-audit", "--no-fund", "--loglevel=error"];
            var r = ChildProcess.Run(ExternalReference.RequireNpm(), args, workingDirectory: target, timeout: TimeSpan.FromMinutes(10));
            if (r.ExitCode != 0) throw new InvalidOperationException($"npm install of {name} ({sourceFolder}/package.json) failed: {r}");
            File.WriteAllText(stamp, wanted);
        }
        foreach (var script in Directory.GetFiles(sourceFolder).Where(f => f.EndsWith(".mjs", StringComparison.Ordinal) || f.EndsWith(".cjs", StringComparison.Ordinal)))
            File.Copy(script, Path.Combine(target, Path.GetFileName(script)), overwrite: true);
        return target;
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(15);
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { Thread.Sleep(200); }
        }
    }
}
