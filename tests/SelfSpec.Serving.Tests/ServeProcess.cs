using SelfSpec.TestSupport;

namespace SelfSpec.Serving.Tests;

/// <summary>A real <c>selfspec serve</c> child process (<see cref="SelfSpecServer"/> on the CLI's own build) with an HTTP client for it.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly SelfSpecServer server;

    private ServeProcess(SelfSpecServer server)
    {
        this.server = server;
        BaseUrl = server.Url.ToString().TrimEnd('/');
        Http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(3) };
    }

    /// <summary>The server root without a trailing slash, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Everything the process printed so far.</summary>
    public string Output => server.Output;

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

    /// <summary>Starts <c>selfspec serve MODEL --port 0 ARGS</c> and waits until it listens.</summary>
    public static ServeProcess Start(string modelDirectory, params string[] args) => new(SelfSpecServer.StartWith(CliDll, modelDirectory, args));

    public void Dispose()
    {
        Http.Dispose();
        server.Dispose();
    }
}
