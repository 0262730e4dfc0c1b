namespace SelfSpec.Cli.Tests;

/// <summary>The install script is what the Dockerfiles, ./selfspec and CI share: test it, and that they call it.</summary>
public class SetupScriptTests
{
    private static string Script => Path.Combine(Paths.RepoRoot, "scripts", "install-deps.sh");

    [Fact]
    public void EveryGroupTheTestCommandInstalledIsReportedComplete()
    {
        // scripts/test.sh installed the test group before the tests ran, so --check must find nothing missing.
        foreach (var group in new[] { "runtime", "test", "cuda" })
        {
            var r = ChildProcess.Run("bash", [Script, "--check", group]);
            Assert.True(r.ExitCode == 0, $"group {group}: {r}");
        }
    }

    [Fact]
    public void UnknownGroupIsAnError()
    {
        var r = ChildProcess.Run("bash", [Script, "--check", "no-such-group"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown group", r.StdErr);
    }

    [Theory]
    [InlineData("Dockerfile", "runtime")]
    [InlineData("Dockerfile.cuda", "cuda")]
    public void DockerfilesInstallThroughTheSharedScriptAndBuildThroughTheEntryScript(string file, string group)
    {
        var lines = File.ReadAllLines(Path.Combine(Paths.RepoRoot, "docker", file));
        Assert.Contains(lines, l => l.StartsWith("RUN scripts/install-deps.sh " + group, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("RUN ./selfspec", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT [\"./selfspec\"]", StringComparison.Ordinal));
        // the group the Dockerfile names must be one the script knows
        var r = ChildProcess.Run("bash", [Script, "--check", group]);
        Assert.NotEqual(2, r.ExitCode);
    }

    [Fact]
    public void CiRunsExactlyTheReadmeTestCommand()
    {
        var readme = File.ReadAllText(Path.Combine(Paths.RepoRoot, "README.md"));
        var ci = File.ReadAllText(Path.Combine(Paths.RepoRoot, ".ci", "run"));
        Assert.Contains("./scripts/test.sh", readme);
        Assert.Contains("./scripts/test.sh", ci);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void EntryScriptBuildsOnceAndThenStartsWithoutRebuilding()
    {
        var entry = Path.Combine(Paths.RepoRoot, "selfspec");
        var first = ChildProcess.Run(entry, ["--version"], Paths.RepoRoot, timeout: TimeSpan.FromMinutes(10));
        Assert.True(first.ExitCode == 0, first.ToString());
        var stamp = Path.Combine(Paths.RepoRoot, ".selfspec", "bin", "Release", ".build-stamp");
        var built = File.GetLastWriteTimeUtc(stamp);
        var second = ChildProcess.Run(entry, ["--version"], Paths.RepoRoot);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(first.StdOut, second.StdOut);
        Assert.DoesNotContain("Building", second.StdErr);
        Assert.Equal(built, File.GetLastWriteTimeUtc(stamp));
    }
}
