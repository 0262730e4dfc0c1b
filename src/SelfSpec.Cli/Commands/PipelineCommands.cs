using System.CommandLine;
using SelfSpec.Pipeline;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary>
/// <c>selfspec seeds validate</c> and <c>selfspec prompts instruction</c>: check a seed file and show the exact
/// instruction-generation prompt. Using SelfSpec.Pipeline types here also makes <c>selfspec</c> reference the pipeline
/// assembly, which is how the workflow runtime discovers the pipeline's activities.
/// </summary>
public sealed class PipelineCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var seeds = new Command("seeds", "Seed tasks for self-specialization");
        seeds.Subcommands.Add(ValidateSeeds());
        yield return seeds;

        var prompts = new Command("prompts", "Show the prompts the pipeline sends to the model");
        prompts.Subcommands.Add(InstructionPrompt());
        yield return prompts;
    }

    private static Command ValidateSeeds()
    {
        var file = new Argument<string>("FILE") { Description = "Seed file: .jsonl, .csv or .parquet in BoX form (instruction/definition, input, output; task and id optional)" };
        var cmd = new Command("validate", "Check every row of a seed file and list the problems by row and field");
        cmd.Arguments.Add(file);
        cmd.SetAction((r, ct) => Task.FromResult(Guard(() =>
        {
            try
            {
                var rows = SeedReader.Read(r.GetValue(file)!, ct);
                AnsiConsole.MarkupLine($"[green]ok:[/] {rows.Count} seeds, {rows.Select(s => s.Task).Distinct().Count()} tasks");
                return 0;
            }
            catch (SeedFormatException e)
            {
                foreach (var error in e.Errors) AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(error.ToString())}");
                return 1;
            }
        })));
        return cmd;
    }

    private static Command InstructionPrompt()
    {
        var seedsFile = new Option<string>("--seeds") { Description = "Seed file", DefaultValueFactory = _ => "data/seeds/biomedical_seeds.jsonl" };
        var domain = new Option<string>("--domain") { Description = "Domain name in the prompt", DefaultValueFactory = _ => "biomedical" };
        var promptId = new Option<long>("--prompt-id") { Description = "Which prompt (decides the sampled seeds)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the demonstration sampler", DefaultValueFactory = _ => 42 };
        var cmd = new Command("instruction", "Print the instruction-generation prompt (paper Table 3 + 3 sampled seed demonstrations)");
        cmd.Options.Add(seedsFile);
        cmd.Options.Add(domain);
        cmd.Options.Add(promptId);
        cmd.Options.Add(seed);
        cmd.SetAction((r, ct) => Task.FromResult(Guard(() =>
        {
            var rows = SeedReader.Read(r.GetValue(seedsFile)!, ct);
            var demonstrations = new SeedSampler(rows, r.GetValue(seed)).ForPrompt(r.GetValue(promptId));
            Console.Out.Write(new InstructionGenerationPrompt(r.GetValue(domain)!).Build(demonstrations));
            Console.Out.Write('\n');
            return 0;
        })));
        return cmd;
    }

    private static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) when (e is PipelineException or IOException or ArgumentException or UnauthorizedAccessException or OperationCanceledException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return e is OperationCanceledException ? 130 : 1;
        }
    }
}
