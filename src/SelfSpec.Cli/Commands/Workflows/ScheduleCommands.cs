using System.CommandLine;
using SelfSpec.Server;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Scheduling;
using Spectre.Console;

namespace SelfSpec.Cli.Commands.Workflows;

/// <summary><c>schedule add|list|remove</c> and <c>server</c>.</summary>
internal static class ScheduleCommands
{
    public static Command CreateSchedule()
    {
        var command = new Command("schedule", "Run definitions on cron schedules (executed by `selfspec server`)");
        command.Options.Add(WorkflowHost.Home);

        var file = new Argument<string>("file") { Description = "Workflow JSON; its Elsa.Cron triggers give the schedule unless --cron is set" };
        var cron = new Option<string?>("--cron") { Description = "6-field cron, seconds first, UTC (e.g. \"0 0 3 * * *\")" };
        var input = new Option<string[]>("--input", "-i") { Description = "Workflow input name=value for each run (repeatable)" };
        var add = new Command("add", "Store the definition and schedule it");
        add.Arguments.Add(file);
        add.Options.Add(cron);
        add.Options.Add(input);
        add.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var definition = WorkflowDefinitionSerializer.ReadFile(parse.GetValue(file)!);
            foreach (var s in ScheduledRuns.Add(host.Store, definition, parse.GetValue(cron), WorkflowHost.ParseInputs(parse.GetValue(input))))
                AnsiConsole.MarkupLineInterpolated($"schedule [bold]{s.Id}[/]: {definition.Name} at '{s.CronExpression}' (UTC), next {CronSchedule.NextAfter(s.CronExpression, DateTimeOffset.UtcNow):u}");
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());

        var list = new Command("list", "List schedules with their next due time");
        list.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "Schedule", "Workflow", "Cron (UTC)", "Next", "Last run" }) table.AddColumn(c);
            foreach (var s in host.Store.ListSchedules())
            {
                var name = host.Store.FindDefinition(s.DefinitionId)?.Name ?? s.DefinitionId;
                table.AddRow(s.Id, Markup.Escape(name), Markup.Escape(s.CronExpression), $"{CronSchedule.NextAfter(s.CronExpression, DateTimeOffset.UtcNow):u}",
                    s.LastFiredAt is { } last ? $"{last:u} {s.LastInstanceId}" : "-");
            }
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());

        var id = new Argument<string>("id") { Description = "Schedule id" };
        var remove = new Command("remove", "Delete a schedule");
        remove.Arguments.Add(id);
        remove.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            if (!host.Store.RemoveSchedule(parse.GetValue(id)!)) throw new InvalidOperationException($"no schedule '{parse.GetValue(id)}'");
            AnsiConsole.MarkupLine("removed");
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());

        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(remove);
        return command;
    }

    public static Command CreateServer()
    {
        var sync = new Option<int>("--sync-seconds") { Description = "How often to pick up schedules added or removed meanwhile", DefaultValueFactory = _ => 5 };
        var urls = new Option<string>("--urls") { Description = "Where the designer listens (loopback unless --api-key is given)", DefaultValueFactory = _ => ServerOptions.DefaultUrls };
        var apiKey = new Option<string?>("--api-key") { Description = $"API key every call must carry as 'Authorization: ApiKey <key>' (default: ${ServerOptions.ApiKeyVariable}); required off loopback" };
        var workflows = new Option<string?>("--workflows") { Description = "Folder of workflow JSON files imported when not stored yet (default: <home>/workflows)" };
        var command = new Command("server", "Host the Elsa designer (Studio) over the workflow store and run due schedules until Ctrl-C");
        command.Options.Add(WorkflowHost.Home);
        command.Options.Add(sync);
        command.Options.Add(urls);
        command.Options.Add(apiKey);
        command.Options.Add(workflows);
        command.SetAction((parse, outerCt) => WorkflowHost.GuardAsync(async () =>
        {
            using var signals = WorkflowHost.CancelOnSignals(outerCt);
            var ct = signals.Token;
            using var host = WorkflowHost.Open(parse);
            await using var scheduler = new WorkflowScheduler(host.Store, async (schedule, jobCt) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, jobCt);
                AnsiConsole.MarkupLineInterpolated($"[grey]{DateTimeOffset.UtcNow:u}[/] schedule {schedule.Id}: starting {schedule.DefinitionId}");
                try
                {
                    var result = await ScheduledRuns.RunAsync(host.Runtime, schedule, null, linked.Token);
                    AnsiConsole.MarkupLine($"[grey]{DateTimeOffset.UtcNow:u}[/] schedule {schedule.Id}: instance {result.InstanceId} {WorkflowHost.StatusMarkup(result.Status)}");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    AnsiConsole.MarkupLineInterpolated($"[red]schedule {schedule.Id}: {e.Message}[/]");
                }
            });
            var options = new ServerOptions
            {
                Urls = parse.GetValue(urls)!,
                ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ServerOptions.ApiKeyVariable),
                WorkflowsDirectory = parse.GetValue(workflows) ?? Path.Combine(host.HomeDirectory, "workflows"),
            };
            await using var designer = DesignerServer.Create(options, host.Runtime);
            await designer.StartAsync(ct);
            await scheduler.StartAsync(ct);
            var studio = SelfSpec.Server.Studio.StudioPackage.Locate();
            foreach (var url in designer.Urls)
                AnsiConsole.MarkupLineInterpolated($"designer: [bold]{url}/[/] ({(studio is null ? "Elsa Studio not fetched: run scripts/fetch-studio.sh" : "Elsa Studio " + studio.Version)}{(string.IsNullOrEmpty(options.ApiKey) ? "" : ", API key required")})");
            AnsiConsole.MarkupLineInterpolated($"server: {host.Store.ListSchedules().Count} schedule(s) from {host.Store.DatabasePath}; Ctrl-C to stop");
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(sync))), ct);
                    await scheduler.SyncAsync(ct);
                }
            }
            catch (OperationCanceledException) { }
            AnsiConsole.MarkupLine("server: stopping");
            await designer.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }
}
