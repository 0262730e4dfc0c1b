using System.Diagnostics;
using System.Text;

namespace SelfSpec.TestSupport;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs real external programs (reference tools, our own CLI) from tests.</summary>
public static class ChildProcess
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> and waits for it, killing it after <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment != null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>Runs the real <c>selfspec</c> CLI (the built selfspec.dll beside the test assembly) as a child process.</summary>
public static class SelfSpecCli
{
    /// <summary>Path of selfspec.dll in the test output folder (the test project must reference SelfSpec.Cli).</summary>
    public static string DllPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "selfspec.dll");
            if (!File.Exists(path)) throw new FileNotFoundException("selfspec.dll is not beside the test assembly: reference src/SelfSpec.Cli from the test project", path);
            return path;
        }
    }

    /// <summary>Runs <c>dotnet selfspec.dll ARGS</c> and waits for it.</summary>
    public static ProcessResult Run(IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        ChildProcess.Run("dotnet", new[] { DllPath }.Concat(args), workingDirectory, environment, timeout: timeout);

    /// <summary>Runs <c>dotnet selfspec.dll ARGS</c> and waits for it.</summary>
    public static ProcessResult Run(params string[] args) => Run((IEnumerable<string>)args);
}
