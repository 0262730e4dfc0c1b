using System.CommandLine;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;
using Spectre.Console;

namespace SelfSpec.Cli.Commands.Workflows;

/// <summary><c>run FILE</c> and <c>runs list|show|resume|cancel|logs|verify</c>.</summary>
internal static class RunCommands
{
    public static Command CreateRun()
    {
        var file = new Argument<string>("file") { Description = "Elsa 3 workflow JSON (an export from Elsa Studio), or the id or name of a stored definition (its published, else latest, version)" };
        var input = new Option<string[]>("--input", "-i") { Description = "Workflow input name=value (repeatable)" };
        var force = new Option<string[]>("--force") { Description = "Recompute this activity (id or name) and everything after it, even if cached (repeatable)" };
        var instance = new Option<string?>("--instance") { Description = "Instance id to use (default: random)" };
        var command = new Command("run", "Run a workflow definition; completed activities with matching inputs are reused from earlier runs");
        command.Arguments.Add(file);
        command.Options.Add(input);
        command.Options.Add(force);
        command.Options.Add(instance);
        command.Options.Add(WorkflowHost.Home);
        command.SetAction((parse, ct) => WorkflowHost.GuardAsync(async () =>
        {
            using var host = WorkflowHost.Open(parse);
            var definition = ResolveDefinition(host, parse.GetValue(file)!);
            var problems = WorkflowValidator.Validate(definition, host.Runtime.Registry);
            foreach (var p in problems) AnsiConsole.MarkupLine($"[{(p.Severity == ProblemSeverity.Error ? "red" : "yellow")}]{Markup.Escape(p.ToString())}[/]");
            if (problems.Any(p => p.Severity == ProblemSeverity.Error)) return 1;
            var view = new LiveRunView();
            var options = new WorkflowRunOptions
            {
                Input = WorkflowHost.ParseInputs(parse.GetValue(input)),
                Force = parse.GetValue(force) ?? [],
                InstanceId = parse.GetValue(instance),
                Events = view,
            };
            using var signals = WorkflowHost.CancelOnSignals(ct);
            var result = await view.ShowWhileAsync(() => host.Runtime.RunAsync(definition, options, signals.Token));
            view.PrintSummary(result);
            return ExitCode(result.Status);
        }));
        return command;
    }

    /// <summary>A file path, else a stored definition by id or name (published version, else latest): what the designer saved runs as the file would.</summary>
    private static WorkflowDefinition ResolveDefinition(WorkflowHost host, string fileOrName)
    {
        if (File.Exists(fileOrName) || fileOrName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return WorkflowDefinitionSerializer.ReadFile(fileOrName);
        var record = new SelfSpec.Server.Designer.DefinitionCatalog(host.Store, host.Runtime.Registry).FindRunnable(fileOrName)
            ?? throw new FileNotFoundException($"'{fileOrName}' is neither a file nor a stored definition id or name (see `selfspec workflows list`)");
        return WorkflowDefinitionSerializer.Read(record.Json, $"stored definition {record.DefinitionId} v{record.Version}");
    }

    public static int ExitCode(WorkflowStatus status) => status switch
    {
        WorkflowStatus.Finished => 0,
        WorkflowStatus.Cancelled => 130,
        _ => 1,
    };

    public static Command CreateRuns()
    {
        var runs = new Command("runs", "Inspect, resume and cancel workflow instances");
        runs.Options.Add(WorkflowHost.Home);
        runs.Subcommands.Add(List());
        runs.Subcommands.Add(Show());
        runs.Subcommands.Add(Resume());
        runs.Subcommands.Add(Cancel());
        runs.Subcommands.Add(Logs());
        runs.Subcommands.Add(Verify());
        return runs;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Instance id (or a unique prefix of at least 4 characters)" };

    private static WorkflowInstanceRecord Find(WorkflowHost host, string id) =>
        host.Store.FindInstance(id) ?? throw new WorkflowExecutionException($"no workflow instance '{id}' in {host.Store.DatabasePath}");

    private static Command List()
    {
        var limit = new Option<int>("--limit", "-n") { Description = "How many instances to show", DefaultValueFactory = _ => 20 };
        var status = new Option<WorkflowStatus?>("--status") { Description = "Only instances with this status" };
        var command = new Command("list", "List workflow instances, newest first");
        command.Options.Add(limit);
        command.Options.Add(status);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "Instance", "Workflow", "Status", "Started (UTC)", "Duration", "Error" }) table.AddColumn(c);
            foreach (var i in host.Store.ListInstances(parse.GetValue(limit), parse.GetValue(status)))
            {
                var running = i.Status == WorkflowStatus.Running && host.Runtime.IsExecuting(i.Id);
                var statusText = i.Status == WorkflowStatus.Running && !running ? "[red]Interrupted[/]" : WorkflowHost.StatusMarkup(i.Status);
                var end = i.FinishedAt ?? (running ? DateTimeOffset.UtcNow : i.UpdatedAt);
                table.AddRow(i.Id, Markup.Escape(i.Name), statusText, i.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss"),
                    WorkflowHost.Duration(end - i.CreatedAt), Markup.Escape(Truncate(i.Error, 60)));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command Show()
    {
        var id = IdArgument();
        var command = new Command("show", "Show an instance: status, input, variables and every activity execution with attempts and artifacts");
        command.Arguments.Add(id);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var i = Find(host, parse.GetValue(id)!);
            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("[grey]Instance[/]", i.Id);
            grid.AddRow("[grey]Workflow[/]", Markup.Escape($"{i.Name} ({i.DefinitionId} v{i.Version})"));
            grid.AddRow("[grey]Status[/]", WorkflowHost.StatusMarkup(i.Status) + (host.Runtime.IsExecuting(i.Id) ? $" [grey](executing: {Markup.Escape(i.Owner ?? "")})[/]" : ""));
            grid.AddRow("[grey]Created[/]", i.CreatedAt.ToString("O"));
            grid.AddRow("[grey]Finished[/]", i.FinishedAt?.ToString("O") ?? "-");
            grid.AddRow("[grey]Input[/]", Markup.Escape(i.InputJson));
            grid.AddRow("[grey]Variables[/]", Markup.Escape(Truncate(i.VariablesJson, 400)));
            grid.AddRow("[grey]Output[/]", Markup.Escape(Truncate(i.OutputJson, 400)));
            grid.AddRow("[grey]Artifacts[/]", Markup.Escape(i.RunDirectory));
            if (i.Error is not null) grid.AddRow("[grey]Error[/]", $"[red]{Markup.Escape(i.Error)}[/]");
            AnsiConsole.Write(grid);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "Activity", "Type", "#", "Status", "Attempts", "Duration", "Artifacts / error" }) table.AddColumn(c);
            foreach (var r in host.Store.GetRecords(i.Id))
            {
                var artifacts = (JsonNode.Parse(r.ArtifactsJson) as JsonArray ?? []).Select(a => a?["path"]?.ToString()).Where(p => p is not null);
                var detail = r.Error is not null ? $"[red]{Markup.Escape(Truncate(r.Error, 80))}[/]"
                    : Markup.Escape(string.Join("\n", artifacts)) + (r.ReusedFromId is null ? "" : " [cyan](cached)[/]");
                table.AddRow(Markup.Escape(r.ActivityName), Markup.Escape(r.ActivityType), r.Occurrence.ToString(), r.Status.ToString(), r.Attempts.ToString(),
                    r.CompletedAt is { } end ? WorkflowHost.Duration(end - r.StartedAt) : "-", detail);
            }
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command Resume()
    {
        var id = IdArgument();
        var command = new Command("resume", "Continue an interrupted, cancelled or faulted instance; completed activities are not run again");
        command.Arguments.Add(id);
        command.SetAction((parse, ct) => WorkflowHost.GuardAsync(async () =>
        {
            using var host = WorkflowHost.Open(parse);
            var instance = Find(host, parse.GetValue(id)!);
            if (instance.Status == WorkflowStatus.Finished)
            {
                AnsiConsole.MarkupLine($"{instance.Id} already {WorkflowHost.StatusMarkup(instance.Status)}; nothing to resume");
                return 0;
            }
            var view = new LiveRunView();
            using var signals = WorkflowHost.CancelOnSignals(ct);
            var result = await view.ShowWhileAsync(() => host.Runtime.ResumeAsync(instance.Id, new WorkflowRunOptions { Events = view }, signals.Token));
            view.PrintSummary(result);
            return ExitCode(result.Status);
        }));
        return command;
    }

    private static Command Verify()
    {
        var id = new Argument<string?>("id") { Description = "Instance id (or a unique prefix); all runs when omitted", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify",
            "Check every artifact of a run (or of all runs) against its record: present, same size, same content; exit code 1 when any is damaged or missing");
        command.Arguments.Add(id);
        command.SetAction((parse, ct) => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            IReadOnlyList<WorkflowInstanceRecord> instances = parse.GetValue(id) is { } one ? [Find(host, one)] : host.Store.ListInstances(int.MaxValue);
            var verdicts = RunVerifier.Verify(host.Store, instances, ct);
            var bad = verdicts.Where(v => !v.Check.IsIntact).ToList();
            foreach (var group in bad.GroupBy(v => (v.Instance.Id, v.Record.ActivityId)))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]✘[/] run [bold]{group.Key.Item1}[/] activity [bold]{group.Key.ActivityId}[/]");
                // Plain lines: a path or command must not be wrapped when the output goes to a file or a script.
                foreach (var v in group) Console.WriteLine($"    {v.Check.Describe()}");
                Console.WriteLine($"    recompute it and what follows: {group.First().RecomputeCommand}");
            }
            var files = verdicts.Select(v => v.Check.Artifact.Path).Distinct().Count();
            if (bad.Count == 0)
                AnsiConsole.MarkupLineInterpolated($"[green]✔[/] {files} artifact file(s) of {instances.Count} run(s) verified: all intact");
            else
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]{bad.Select(v => v.Check.Artifact.Path).Distinct().Count()} of {files} artifact file(s) damaged or missing[/] in {bad.Select(v => v.Instance.Id).Distinct().Count()} of {instances.Count} run(s)");
            return Task.FromResult(bad.Count == 0 ? 0 : 1);
        }));
        return command;
    }

    private static Command Cancel()
    {
        var id = IdArgument();
        var command = new Command("cancel", "Cancel an instance (an executing one stops within a second); it stays resumable");
        command.Arguments.Add(id);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var instance = Find(host, parse.GetValue(id)!);
            var status = host.Runtime.Cancel(instance.Id);
            AnsiConsole.MarkupLine(status == WorkflowStatus.Running
                ? $"cancellation requested; the process executing {instance.Id} will stop its current activity"
                : $"{instance.Id}: {WorkflowHost.StatusMarkup(status)}");
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command Logs()
    {
        var id = IdArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new entries until the instance stops executing" };
        var command = new Command("logs", "Print an instance's execution log");
        command.Arguments.Add(id);
        command.Options.Add(follow);
        command.SetAction((parse, ct) => WorkflowHost.GuardAsync(async () =>
        {
            using var host = WorkflowHost.Open(parse);
            var instance = Find(host, parse.GetValue(id)!);
            long last = 0;
            while (true)
            {
                foreach (var entry in host.Store.GetLog(instance.Id, last))
                {
                    last = entry.Sequence;
                    var who = entry.ActivityName is null ? "" : $" [bold]{Markup.Escape(entry.ActivityName)}[/]";
                    var color = entry.EventName switch { "Faulted" or "WorkflowFaulted" or "ArtifactDamaged" => "red", "Retrying" or "Cancelled" or "WorkflowCancelled" => "yellow", "Line" => "default", _ => "grey" };
                    AnsiConsole.MarkupLine($"[grey]{entry.Timestamp:HH:mm:ss.fff}[/] [{color}]{entry.EventName}[/]{who}{(entry.Message is null ? "" : " " + Markup.Escape(entry.Message))}");
                }
                if (!parse.GetValue(follow) || !host.Runtime.IsExecuting(instance.Id) || ct.IsCancellationRequested) break;
                try { await Task.Delay(500, ct); } catch (OperationCanceledException) { break; }
            }
            return 0;
        }));
        return command;
    }

    private static string Truncate(string? s, int n) => s is null ? "" : s.Length <= n ? s : s[..n] + "…";
}
