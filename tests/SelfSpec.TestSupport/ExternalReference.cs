using System.Collections.Concurrent;
using Xunit;

namespace SelfSpec.TestSupport;

/// <summary>
/// The external programs tests compare against (Debian's Python with PyTorch/NumPy/NLTK, Node.js/npm, sqlite3, Chromium).
/// Each one is installed by <see cref="InstallCommand"/>; when one is missing the test fails with a message naming the
/// Debian package, not with an ImportError or "file not found" from deep inside a child process.
/// </summary>
public static class ExternalReference
{
    /// <summary>The command that installs every test reference.</summary>
    public const string InstallCommand = "scripts/install-deps.sh test";

    /// <summary>Debian's interpreter: the Debian Python packages install into it (the python3 first on PATH may be another).</summary>
    public const string DebianPython = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, string?> ImportErrors = new(StringComparer.Ordinal);

    /// <summary>
    /// <see cref="DebianPython"/>, after checking that it imports <paramref name="module"/> (e.g. "torch", "nltk");
    /// fails the test naming <paramref name="debianPackage"/> (e.g. "python3-torch") when it does not.
    /// </summary>
    public static string RequirePython(string module, string debianPackage)
    {
        if (!File.Exists(DebianPython)) Missing($"{DebianPython} is missing", "python3");
        var error = ImportErrors.GetOrAdd(module, m =>
        {
            var r = ChildProcess.Run(DebianPython, ["-c", $"import {m}"], timeout: TimeSpan.FromMinutes(2));
            return r.ExitCode == 0 ? null : r.StdErr.Trim().Split('\n').LastOrDefault() ?? $"exit {r.ExitCode}";
        });
        if (error != null) Missing($"{DebianPython} cannot import '{module}' ({error})", debianPackage);
        return DebianPython;
    }

    /// <summary>
    /// The full path of <paramref name="program"/> (an absolute path, or a name looked up on PATH); fails the test naming
    /// <paramref name="debianPackage"/> when it is not there.
    /// </summary>
    public static string RequireProgram(string program, string debianPackage)
    {
        if (Path.IsPathRooted(program))
        {
            if (!File.Exists(program)) Missing($"{program} is missing", debianPackage);
            return program;
        }
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        if (found is null) Missing($"'{program}' is not on PATH", debianPackage);
        return found!;
    }

    /// <summary>Node.js (the <c>node</c> command), from Debian's nodejs package or the image's own Node.js.</summary>
    public static string RequireNode() => RequireProgram("node", "nodejs");

    /// <summary>npm, from Debian's npm package or the image's own Node.js.</summary>
    public static string RequireNpm() => RequireProgram("npm", "npm");

    private static void Missing(string what, string debianPackage) =>
        Assert.Fail($"Test reference missing: {what}. Install the Debian package '{debianPackage}' " +
                    $"(`{InstallCommand}` installs every test reference; or apt-get install -y {debianPackage}).");
}
