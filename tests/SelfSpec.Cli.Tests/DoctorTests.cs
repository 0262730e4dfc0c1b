using System.Text.Json;

namespace SelfSpec.Cli.Tests;

public class DoctorTests
{
    [Fact]
    public void DoctorJsonReportsTheLibtorchDebianInstalledAndTheBundledSqlite()
    {
        var r = SelfSpecCli.Run("doctor", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var checks = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => (Status: c.GetProperty("status").GetString(), Value: c.GetProperty("value").GetString()!));

        // libtorch: the version must be the one dpkg says is installed (an independent source).
        var dpkg = ChildProcess.Run("dpkg-query", ["-W", "-f=${Version}", "libtorch-dev"]);
        Assert.Equal(0, dpkg.ExitCode);
        var debianVersion = dpkg.StdOut.Split('+')[0]; // 1.13.1+dfsg-4 → 1.13.1
        Assert.Equal("ok", checks["libtorch"].Status);
        Assert.StartsWith(string.Join('.', debianVersion.Split('.').Take(2)), checks["libtorch"].Value);

        // BLAS: OpenBLAS is installed by the test command, so it must be the one in use.
        Assert.Equal("ok", checks["BLAS"].Status);
        Assert.Contains("openblas", checks["BLAS"].Value, StringComparison.OrdinalIgnoreCase);

        // SQLite: the bundled library, queried independently through the sqlite3 CLI would differ, so check the shape.
        Assert.Matches(@"^3\.\d+\.\d+", checks["SQLite"].Value);
        Assert.Equal("present", checks["SQLite FTS5"].Value);
        Assert.Contains($"{Environment.ProcessorCount} cores", checks["CPU threads"].Value);
        Assert.Contains("GiB free", checks["Disk"].Value);
        Assert.Contains(checks["CUDA"].Status, new[] { "info", "ok", "warning" });
    }

    [Fact]
    public void ThreadsOptionReachesLibtorch()
    {
        var r = SelfSpecCli.Run("doctor", "--json", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        var threads = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "CPU threads");
        Assert.StartsWith("1 used by libtorch", threads.GetProperty("value").GetString());
    }

    [Fact]
    public void DoctorTableNamesEveryCheck()
    {
        var r = SelfSpecCli.Run(["doctor"], environment: new Dictionary<string, string> { ["COLUMNS"] = "200" });
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var name in new[] { ".NET", "libtorch", "BLAS", "CPU threads", "CUDA", "SQLite", "Disk" })
            Assert.Contains(name, r.StdOut);
    }

    [Fact]
    public void VersionAndHelpWork()
    {
        var v = SelfSpecCli.Run("--version");
        Assert.Equal(0, v.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", v.StdOut.Trim());
        var h = SelfSpecCli.Run("doctor", "--help");
        Assert.Equal(0, h.ExitCode);
        Assert.Contains("--json", h.StdOut);
        var bad = SelfSpecCli.Run("no-such-command");
        Assert.NotEqual(0, bad.ExitCode);
    }
}
