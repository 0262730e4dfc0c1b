using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SelfSpec.Cli.Commands.Workflows;

/// <summary>
/// The <c>run</c>/<c>resume</c> display, driven only by runtime events: one line per activity with its status,
/// a progress bar when the activity reports progress, and elapsed time; then a summary with artifact paths.
/// On a terminal it redraws in place; when output is redirected it prints one line per event instead.
/// </summary>
internal sealed class LiveRunView : IProgress<WorkflowEvent>
{
    private const int BarWidth = 24;
    private readonly Lock _gate = new();
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, Row> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _lines = [];
    private readonly bool _interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private string _title = "";

    private sealed class Row(ActivityInfo info)
    {
        public ActivityInfo Info { get; } = info;
        public string State { get; set; } = "pending";
        public double? Fraction { get; set; }
        public string? Note { get; set; }
        public DateTimeOffset? StartedAt { get; set; }
        public TimeSpan Elapsed { get; set; }
        public int Attempt { get; set; }
        public List<ArtifactRef> Artifacts { get; set; } = [];
    }

    public void Report(WorkflowEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case WorkflowStarted s:
                    _title = $"{s.WorkflowName} · instance {s.InstanceId}{(s.Resumed ? " (resumed)" : "")}";
                    foreach (var a in s.Activities) RowFor(a);
                    Plain($"[bold]{Markup.Escape(_title)}[/]");
                    break;
                case ActivityStarted s:
                {
                    var row = RowFor(s.Activity);
                    row.State = "running";
                    row.Attempt = s.Attempt;
                    row.StartedAt ??= s.Timestamp;
                    row.Fraction = null;
                    Plain($"[blue]▶[/] {Markup.Escape(s.Activity.Name)}{(s.Attempt > 1 ? $" (attempt {s.Attempt})" : "")}");
                    break;
                }
                case ActivityProgressed p when _byId.TryGetValue(p.ActivityId, out var row):
                    row.Fraction = p.Progress.Fraction;
                    row.Note = p.Progress.Message ?? (p.Progress.Total is { } total ? $"{p.Progress.Completed:0}/{total:0}" : $"{p.Progress.Completed:0}");
                    break;
                case ActivityRetrying r when _byId.TryGetValue(r.ActivityId, out var row):
                    row.Note = r.NextBatchSize is { } b ? $"out of memory, batch → {b}" : $"retry {r.FailedAttempt}: {r.Error}";
                    Plain($"[yellow]↻[/] {Markup.Escape(row.Info.Name)}: {Markup.Escape(row.Note)}");
                    break;
                case ActivityEnded end:
                {
                    var row = RowFor(end.Activity);
                    row.State = end.Kind switch
                    {
                        ActivityOutcomeKind.Completed => "done",
                        ActivityOutcomeKind.Reused => "reused",
                        ActivityOutcomeKind.Skipped => row.State == "done" ? "done" : "skipped",
                        ActivityOutcomeKind.Faulted => "failed",
                        _ => "cancelled",
                    };
                    row.Elapsed += end.Elapsed;
                    row.StartedAt = null;
                    if (end.Kind != ActivityOutcomeKind.Skipped) row.Artifacts = end.Artifacts.ToList();
                    if (end.Kind == ActivityOutcomeKind.Completed) row.Fraction = row.Fraction is null ? null : 1;
                    if (end.Error is not null) row.Note = end.Error;
                    if (end.Kind == ActivityOutcomeKind.Reused) row.Note = "cached";
                    var kind = end.Kind.ToString().ToLowerInvariant();
                    Plain($"{Icon(row.State)} {Markup.Escape(row.Info.Name)} [grey]{kind}{(end.Kind is ActivityOutcomeKind.Completed or ActivityOutcomeKind.Faulted ? " " + WorkflowHost.Duration(end.Elapsed) : "")}[/]{(end.Error is null ? "" : " " + Markup.Escape(end.Error))}");
                    break;
                }
                case ArtifactsDamaged d:
                    foreach (var c in d.Damaged) Plain($"[red]✘[/] {Markup.Escape(_byId.TryGetValue(d.ActivityId, out var damagedRow) ? damagedRow.Info.Name : d.ActivityId)}: not reused, {Markup.Escape(c.Describe())}; recomputing");
                    break;
                case LineWritten l:
                    _lines.Add(l.Text);
                    Plain(Markup.Escape(l.Text));
                    break;
            }
        }
    }

    private Row RowFor(ActivityInfo info)
    {
        if (_byId.TryGetValue(info.Id, out var row)) return row;
        row = new Row(info);
        _byId[info.Id] = row;
        _rows.Add(row);
        return row;
    }

    private void Plain(string markup)
    {
        if (!_interactive) AnsiConsole.MarkupLine(markup);
    }

    /// <summary>Runs <paramref name="work"/> while redrawing the view (on a terminal).</summary>
    public async Task<T> ShowWhileAsync<T>(Func<Task<T>> work)
    {
        if (!_interactive) return await work();
        T result = default!;
        await AnsiConsole.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            var task = work();
            while (!task.IsCompleted)
            {
                ctx.UpdateTarget(Render());
                await Task.WhenAny(task, Task.Delay(100));
            }
            ctx.UpdateTarget(Render());
            result = await task;
        });
        return result;
    }

    private IRenderable Render()
    {
        lock (_gate)
        {
            var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(_title));
            table.AddColumn("");
            table.AddColumn("Activity");
            table.AddColumn("Progress");
            table.AddColumn(new TableColumn("Elapsed").RightAligned());
            table.AddColumn("");
            var now = DateTimeOffset.UtcNow;
            foreach (var row in _rows)
            {
                var elapsed = row.Elapsed + (row.StartedAt is { } s ? now - s : TimeSpan.Zero);
                table.AddRow(
                    new Markup(Icon(row.State)),
                    new Markup($"{Markup.Escape(row.Info.Name)} [grey]{Markup.Escape(row.Info.Type)}[/]"),
                    new Markup(Bar(row)),
                    new Markup(row.State is "pending" or "skipped" ? "" : WorkflowHost.Duration(elapsed)),
                    new Markup(Markup.Escape(row.Note ?? "") + (row.Attempt > 1 ? $" [grey](attempt {row.Attempt})[/]" : "")));
            }
            var tail = _lines.TakeLast(6).Select(l => (IRenderable)new Markup("[grey]│[/] " + Markup.Escape(l))).ToList();
            return tail.Count == 0 ? table : new Rows([table, .. tail]);
        }
    }

    private static string Bar(Row row)
    {
        if (row.Fraction is not { } f)
            return row.State == "running" ? "[blue]running…[/]" : "";
        var filled = (int)Math.Round(f * BarWidth);
        var color = row.State == "failed" ? "red" : row.State == "running" ? "blue" : "green";
        return $"[{color}]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/] {f,4:P0}";
    }

    private static string Icon(string state) => state switch
    {
        "running" => "[blue]▶[/]",
        "done" => "[green]✔[/]",
        "reused" => "[cyan]↺[/]",
        "skipped" => "[grey]–[/]",
        "failed" => "[red]✘[/]",
        "cancelled" => "[yellow]■[/]",
        _ => "[grey]·[/]",
    };

    /// <summary>Prints the final status, counts and every artifact path.</summary>
    public void PrintSummary(WorkflowRunResult result)
    {
        lock (_gate)
        {
            var counts = string.Join(", ", _rows.GroupBy(r => r.State).Select(g => $"{g.Count()} {g.Key}"));
            AnsiConsole.MarkupLine($"{WorkflowHost.StatusMarkup(result.Status)} in {WorkflowHost.Duration(DateTimeOffset.UtcNow - _started)} · instance [bold]{result.InstanceId}[/] · {counts}");
            if (result.Error is not null) AnsiConsole.MarkupLineInterpolated($"[red]{result.Error}[/]");
            var artifacts = _rows.SelectMany(r => r.Artifacts.Select(a => (r.Info.Name, a))).ToList();
            if (artifacts.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).Title("Artifacts");
                table.AddColumn("Activity");
                table.AddColumn("Path");
                table.AddColumn(new TableColumn("Size").RightAligned());
                table.AddColumn("SHA-256");
                table.AddColumn("Verified");
                // The files as they are now, not as recorded: what a user takes away from this table must be what the activities wrote.
                var checks = ArtifactVerifier.Verify(artifacts.Select(x => x.a).ToList());
                foreach (var ((name, a), check) in artifacts.Zip(checks))
                    table.AddRow(Markup.Escape(name), Markup.Escape(Path.GetRelativePath(Environment.CurrentDirectory, a.Path)), Size(a.Size), a.Sha256[..12],
                        check.IsIntact ? "[green]✔ intact[/]" : $"[red]✘ {Markup.Escape(check.State.ToString())}[/]");
                AnsiConsole.Write(table);
            }
            if (result.Status is WorkflowStatus.Faulted or WorkflowStatus.Cancelled)
                AnsiConsole.MarkupLine($"[grey]continue with:[/] selfspec runs resume {result.InstanceId}");
        }
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / 1048576.0:0.0} MiB",
        _ => $"{bytes / 1073741824.0:0.00} GiB",
    };
}
