using System.CommandLine;
using System.IO.Compression;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;
using Spectre.Console;

namespace SelfSpec.Cli.Commands.Workflows;

/// <summary><c>workflows validate|import|export|list</c>.</summary>
internal static class DefinitionCommands
{
    public static Command Create()
    {
        var command = new Command("workflows", "Validate, import and export Elsa 3 workflow definitions");
        command.Options.Add(WorkflowHost.Home);
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command Validate()
    {
        var files = new Argument<string[]>("files") { Description = "Workflow JSON files", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Report every problem in a definition at once (unknown types, missing inputs, bad connections, unreachable activities, cycles)");
        command.Arguments.Add(files);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            var registry = WorkflowHost.CreateRegistry();
            var errors = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                IReadOnlyList<ValidationProblem> problems;
                try { problems = WorkflowValidator.Validate(WorkflowDefinitionSerializer.ReadFile(file), registry); }
                catch (WorkflowDefinitionException e) { problems = [new ValidationProblem(ProblemSeverity.Error, e.ActivityId, e.Field, e.Message)]; }
                if (problems.Count == 0) AnsiConsole.MarkupLineInterpolated($"[green]✔[/] {file}");
                foreach (var p in problems)
                    AnsiConsole.MarkupLine($"[{(p.Severity == ProblemSeverity.Error ? "red" : "yellow")}]{Markup.Escape($"{file}: {p}")}[/]");
                errors += problems.Count(p => p.Severity == ProblemSeverity.Error);
            }
            return Task.FromResult(errors == 0 ? 0 : 1);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command Import()
    {
        var files = new Argument<string[]>("files") { Description = "Workflow JSON files (or a workflow-definitions.zip)", Arity = ArgumentArity.OneOrMore };
        var publish = new Option<bool>("--publish") { Description = "Mark the imported versions published" };
        var command = new Command("import", "Store definitions (a file whose definitionId and id exist replaces that version, as Elsa's import does)");
        command.Arguments.Add(files);
        command.Options.Add(publish);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            foreach (var file in parse.GetValue(files)!)
                foreach (var (name, json) in ReadAll(file))
                {
                    var definition = WorkflowDefinitionSerializer.Read(json, name);
                    if (parse.GetValue(publish)) definition.IsPublished = true;
                    host.Store.SaveDefinition(new WorkflowDefinitionRecord
                    {
                        Id = definition.Id, DefinitionId = definition.DefinitionId, Name = definition.Name, Version = definition.Version,
                        IsPublished = definition.IsPublished, Json = WorkflowDefinitionSerializer.Write(definition),
                    });
                    AnsiConsole.MarkupLineInterpolated($"imported [bold]{definition.Name}[/] ({definition.DefinitionId} v{definition.Version})");
                }
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static IEnumerable<(string Name, string Json)> ReadAll(string file)
    {
        if (!file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            yield return (file, File.ReadAllText(file));
            yield break;
        }
        using var zip = ZipFile.OpenRead(file);
        foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
        {
            using var reader = new StreamReader(entry.Open());
            yield return ($"{file}!{entry.FullName}", reader.ReadToEnd());
        }
    }

    private static Command Export()
    {
        var ids = new Argument<string[]>("definitions") { Description = "Definition ids (or version ids); none = all", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Output folder", DefaultValueFactory = _ => "." };
        var command = new Command("export", "Write stored definitions as Elsa Studio import files (one: workflow-definition-<slug>-<definitionId>-<id>.json; several: workflow-definitions.zip)");
        command.Arguments.Add(ids);
        command.Options.Add(output);
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var requested = parse.GetValue(ids) ?? [];
            var records = requested.Length == 0
                ? host.Store.ListDefinitions().ToList()
                : requested.Select(id => host.Store.FindDefinition(id) ?? throw new WorkflowExecutionException($"no stored definition '{id}'")).ToList();
            if (records.Count == 0) throw new WorkflowExecutionException("no definitions stored; import some first");
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(folder);
            var definitions = records.Select(r => WorkflowDefinitionSerializer.Read(r.Json)).ToList();
            if (definitions.Count == 1)
            {
                var path = Path.Combine(folder, WorkflowDefinitionSerializer.ExportFileName(definitions[0]));
                WorkflowDefinitionSerializer.WriteFile(definitions[0], path);
                AnsiConsole.MarkupLineInterpolated($"wrote {path}");
            }
            else
            {
                var path = Path.Combine(folder, "workflow-definitions.zip");
                var tmp = path + ".tmp";
                using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Create))
                    foreach (var d in definitions)
                    {
                        using var writer = new StreamWriter(zip.CreateEntry(WorkflowDefinitionSerializer.ExportFileName(d)).Open());
                        writer.Write(WorkflowDefinitionSerializer.Write(d));
                    }
                File.Move(tmp, path, overwrite: true);
                AnsiConsole.MarkupLineInterpolated($"wrote {path} ({definitions.Count} definitions)");
            }
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List stored definitions (latest versions)");
        command.SetAction(parse => WorkflowHost.GuardAsync(() =>
        {
            using var host = WorkflowHost.Open(parse);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var c in new[] { "Definition", "Name", "Version", "Published", "Updated (UTC)" }) table.AddColumn(c);
            foreach (var d in host.Store.ListDefinitions())
                table.AddRow(d.DefinitionId, Markup.Escape(d.Name), d.Version.ToString(), d.IsPublished ? "yes" : "no", d.UpdatedAt.ToString("yyyy-MM-dd HH:mm:ss"));
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }
}
