using System.CommandLine;
using System.Runtime.InteropServices;
using System.Reflection;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Resilience;
using Spectre.Console;

namespace SelfSpec.Cli.Commands.Workflows;

/// <summary>
/// Where workflow state lives and how the CLI builds a runtime: the store is <c>&lt;home&gt;/.selfspec/workflows.db</c>,
/// artifacts go to <c>&lt;home&gt;/runs/</c>; home is <c>--home</c>, else <c>$SELFSPEC_HOME</c>, else the current folder.
/// </summary>
internal sealed class WorkflowHost : IDisposable
{
    public static readonly Option<string?> Home = new("--home")
    {
        Description = "Folder holding .selfspec/workflows.db and runs/ (default: $SELFSPEC_HOME or the current folder)",
        Recursive = true,
    };

    private WorkflowHost(string home)
    {
        HomeDirectory = home;
        Store = WorkflowStore.Open(Path.Combine(home, ".selfspec", "workflows.db"));
        Runtime = new WorkflowRuntime(Store, CreateRegistry(), new WorkflowRuntimeOptions
        {
            RunsDirectory = Path.Combine(home, "runs"),
            Resilience = LoadResilience(Path.Combine(home, ".selfspec", "resilience.json")),
        });
    }

    public string HomeDirectory { get; }
    public WorkflowStore Store { get; }
    public WorkflowRuntime Runtime { get; }

    /// <summary>Built-in strategies plus those in <c>.selfspec/resilience.json</c>, if present.</summary>
    private static ResilienceCatalog LoadResilience(string path)
    {
        var catalog = new ResilienceCatalog();
        if (!File.Exists(path)) return catalog;
        try { return catalog.Load(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonObject ?? throw new FormatException("not a JSON object")); }
        catch (System.Text.Json.JsonException e) { throw new FormatException($"{path}: {e.Message}", e); }
    }

    public static WorkflowHost Open(ParseResult parse)
    {
        var home = parse.GetValue(Home) ?? Environment.GetEnvironmentVariable("SELFSPEC_HOME");
        return new WorkflowHost(Path.GetFullPath(string.IsNullOrEmpty(home) ? "." : home));
    }

    /// <summary>
    /// The activity registry: the built-ins plus every activity in the SelfSpec.* assemblies this program references
    /// (the pipeline's activities appear here without any change to the CLI). Extend <see cref="ActivityAssemblies"/> to add others.
    /// </summary>
    public static ActivityRegistry CreateRegistry() => ActivityRegistry.FromAssemblies(ActivityAssemblies());

    public static IEnumerable<Assembly> ActivityAssemblies()
    {
        var entry = Assembly.GetEntryAssembly() ?? typeof(WorkflowHost).Assembly;
        var names = entry.GetReferencedAssemblies().Where(n => n.Name?.StartsWith("SelfSpec.", StringComparison.Ordinal) == true);
        foreach (var name in names)
        {
            Assembly? assembly = null;
            try { assembly = Assembly.Load(name); }
            catch (Exception e) when (e is FileNotFoundException or BadImageFormatException or FileLoadException) { }
            if (assembly is not null) yield return assembly;
        }
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name?.StartsWith("SelfSpec.", StringComparison.Ordinal) == true))
            yield return loaded;
    }

    /// <summary>A token cancelled by Ctrl-C or SIGTERM as well as by <paramref name="token"/> (see <see cref="SignalCancellation"/>).</summary>
    internal static SignalCancellation CancelOnSignals(CancellationToken token) => new(token, "[yellow]cancelling…[/]");

    public static Dictionary<string, object?> ParseInputs(string[]? pairs)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new FormatException($"--input '{pair}': expected name=value");
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }

    /// <summary>Runs a command body, turning our exceptions into a one-line red error and exit code 1.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try { return await body(); }
        catch (Exception e) when (e is WorkflowDefinitionException or WorkflowExecutionException or FormatException or FileNotFoundException
                                      or DirectoryNotFoundException or InvalidOperationException or TimeoutException or IOException
                                      or Microsoft.Data.Sqlite.SqliteException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
    }

    public static string StatusMarkup(WorkflowStatus status) => status switch
    {
        WorkflowStatus.Finished => "[green]Finished[/]",
        WorkflowStatus.Faulted => "[red]Faulted[/]",
        WorkflowStatus.Cancelled => "[yellow]Cancelled[/]",
        WorkflowStatus.Running => "[blue]Running[/]",
        _ => status.ToString(),
    };

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0.0}s";

    public void Dispose() => Store.Dispose();
}
