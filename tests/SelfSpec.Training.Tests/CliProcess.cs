using System.Collections.Concurrent;
using System.Diagnostics;

namespace SelfSpec.Training.Tests;

/// <summary>
/// The real <c>selfspec</c> CLI as a child process (built by the repository's <c>selfspec</c> script on first use),
/// with its output lines observable while it runs so a test can kill or interrupt it mid-training.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly BlockingCollection<string> lines = new();
    private readonly ConcurrentQueue<string> all = new();

    private CliProcess(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Path.Combine(Paths.RepoRoot, "selfspec"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Paths.RepoRoot,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SELFSPEC_THREADS"] = "1";
        InterruptSignal.DeliverToChildren(); // Interrupt() must reach the child even when the test run was started in the background
        process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data != null) { lines.Add(e.Data); all.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) all.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static CliProcess Start(params string[] args) => new(args);

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        using var p = Start(args);
        var code = p.WaitForExit(TimeSpan.FromMinutes(8));
        return (code, p.Output);
    }

    public string Output => string.Join('\n', all);

    public int Id => process.Id;

    /// <summary>Waits until a stdout line satisfies <paramref name="predicate"/>; false if the process ended first.</summary>
    public bool WaitForLine(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (lines.TryTake(out var line, 100))
            {
                if (predicate(line)) return true;
            }
            else if (process.HasExited && lines.Count == 0)
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed.</summary>
    public void KillHard() => process.Kill(entireProcessTree: false);

    /// <summary>SIGINT, as Ctrl-C in a terminal sends.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("selfspec did not finish in time:\n" + Output);
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
