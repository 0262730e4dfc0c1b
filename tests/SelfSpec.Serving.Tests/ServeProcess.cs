using System.Diagnostics;
using System.Text.RegularExpressions;
using SelfSpec.TestSupport;

namespace SelfSpec.Serving.Tests;

/// <summary>A real <c>selfspec serve</c> child process (the built CLI beside the tests) on a free port.</summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process process;
    private readonly List<string> output = [];

    private ServeProcess(Process process, string baseUrl)
    {
        this.process = process;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(3) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get { lock (output) return string.Join('\n', output); }
    }

    /// <summary>
    /// selfspec.dll in the CLI's own build output. The copy beside the tests cannot run: this project uses the ASP.NET Core
    /// shared framework, so the Microsoft.Extensions packages the CLI's deps.json lists as its own files are not copied here.
    /// </summary>
    public static string CliDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var tfm = testBin.Name;
            var configuration = testBin.Parent!.Name;
            var path = Path.Combine(Paths.RepoRoot, "src", "SelfSpec.Cli", "bin", configuration, tfm, "selfspec.dll");
            if (!File.Exists(path)) throw new FileNotFoundException("the CLI is not built (it is a project reference of the tests)", path);
            return path;
        }
    }

    /// <summary>Runs <c>dotnet selfspec.dll ARGS</c> to its end.</summary>
    public static ProcessResult Run(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        ChildProcess.Run("dotnet", new[] { CliDll }.Concat(args), environment: environment, timeout: TimeSpan.FromMinutes(2));

    [GeneratedRegex(@"on (http://[^\s;]+)")]
    private static partial Regex ListeningLine();

    /// <summary>Starts <c>selfspec serve ARGS --port 0</c> and waits for its "serving … on URL" line.</summary>
    public static ServeProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { CliDll, "serve" }.Concat(args).Concat(["--port", "0"])) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var lines = new List<string>();
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) { url.TrySetException(new InvalidOperationException("selfspec serve exited:\n" + string.Join('\n', lines))); return; }
            lock (lines) lines.Add(line);
            if (line.StartsWith("serving ", StringComparison.Ordinal) && ListeningLine().Match(line) is { Success: true } m) url.TrySetResult(m.Groups[1].Value);
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!url.Task.Wait(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("selfspec serve did not start:\n" + string.Join('\n', lines));
        }
        var served = new ServeProcess(process, url.Task.Result);
        lock (lines) served.output.AddRange(lines);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (served.output) served.output.Add(e.Data); };
        return served;
    }

    public void Dispose()
    {
        Http.Dispose();
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
