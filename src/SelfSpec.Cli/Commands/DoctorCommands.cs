using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SelfSpec.Cli.Commands.Doctor;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec doctor</c>: what this machine has, and how to fix what it lacks.</summary>
public sealed class DoctorCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var json = new Option<bool>("--json") { Description = "Print the checks as JSON" };
        var doctor = new Command("doctor", "Check the environment: .NET, libtorch, BLAS, threads, CUDA, SQLite, disk") { json };
        doctor.SetAction(parse =>
        {
            var checks = EnvironmentProbe.Run(Environment.CurrentDirectory);
            if (parse.GetValue(json))
            {
                var options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
                Console.Out.WriteLine(JsonSerializer.Serialize(checks, options));
            }
            else
            {
                Render(checks);
            }
            return checks.Any(c => c.Status == CheckStatus.Failed) ? 1 : 0;
        });
        yield return doctor;
    }

    private static void Render(IReadOnlyList<DoctorCheck> checks)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]selfspec doctor[/]");
        table.AddColumn("");
        table.AddColumn("Check");
        table.AddColumn("Found");
        table.AddColumn("Fix");
        foreach (var c in checks)
        {
            var mark = c.Status switch
            {
                CheckStatus.Ok => "[green]✓[/]",
                CheckStatus.Warning => "[yellow]![/]",
                CheckStatus.Failed => "[red]✗[/]",
                _ => "[blue]i[/]",
            };
            table.AddRow(mark, Markup.Escape(c.Name), Markup.Escape(c.Value), Markup.Escape(c.Fix ?? ""));
        }
        AnsiConsole.Write(table);
        var failed = checks.Count(c => c.Status == CheckStatus.Failed);
        var warned = checks.Count(c => c.Status == CheckStatus.Warning);
        AnsiConsole.MarkupLine(failed > 0 ? $"[red]{failed} problem(s) to fix.[/]" : warned > 0 ? $"[yellow]Works, with {warned} warning(s).[/]" : "[green]All good.[/]");
    }
}
