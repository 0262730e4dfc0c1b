using System.Diagnostics;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;

namespace SelfSpec.TestSupport;

/// <summary>
/// A real <c>selfspec serve</c> child process (the built selfspec.dll beside the test assembly) on a free port, for
/// tests of the OpenAI-endpoint client: started with the given arguments, ready once it prints its URL, killed with
/// SIGKILL by <see cref="Kill"/> or when disposed.
/// </summary>
public sealed partial class SelfSpecServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SelfSpecServer(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The server root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; }

    /// <summary>The OpenAI base URL (<c>…/v1</c>) as an endpoint spec takes it.</summary>
    public string V1 => new Uri(Url, "v1").ToString();

    /// <summary>What the server printed so far (stdout and stderr).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts <c>selfspec serve MODEL --port 0 ARGS</c> and waits until it listens.</summary>
    public static SelfSpecServer Start(string modelDirectory, params string[] args) => StartWith(SelfSpecCli.DllPath, modelDirectory, args);

    /// <summary>
    /// <see cref="Start"/> with another selfspec.dll (a test project on the ASP.NET Core shared framework runs the CLI's
    /// own build output: the copy beside it lacks the Microsoft.Extensions files the CLI's deps.json lists).
    /// </summary>
    public static SelfSpecServer StartWith(string cliDll, string modelDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { cliDll, "serve", modelDirectory, "--port", "0" }.Concat(args)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start selfspec serve");
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new SelfSpecServer(process, new Uri("http://127.0.0.1/"));
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (server._output) server._output.AppendLine(line);
            var m = UrlPattern().Match(line);
            if (m.Success) ready.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("selfspec serve exited before it listened:\n" + server.Output));
        if (!ready.Task.Wait(TimeSpan.FromMinutes(2)))
        {
            server.Dispose();
            throw new TimeoutException("selfspec serve did not start in 2 minutes:\n" + server.Output);
        }
        server.Url = ready.Task.Result;
        return server;
    }

    /// <summary>The server's Prometheus text (<c>/metrics</c>).</summary>
    public string Metrics()
    {
        using var http = new HttpClient();
        return http.GetStringAsync(new Uri(Url, "metrics")).GetAwaiter().GetResult();
    }

    /// <summary>The sum of a metric's samples in <see cref="Metrics"/> (all label sets).</summary>
    public double MetricSum(string name) =>
        Metrics().Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>SIGKILL: the server dies at once, mid-request, without any cleanup.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    [GeneratedRegex(@" on (https?://\S+?)(;|\s|$)")]
    private static partial Regex UrlPattern();
}
