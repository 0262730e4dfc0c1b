using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SelfSpec.Cli.Commands.Evaluation;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Evaluation.Reporting;
using SelfSpec.Evaluation.Results;
using Spectre.Console;
using SelfSpec.Text;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec metrics</c> (score one prediction) and <c>selfspec evaluate</c> (the paper's benchmark, and its report).</summary>
public sealed class EvaluationCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        yield return MetricsCommand();
        yield return EvaluateCommand();
    }

    private static Command MetricsCommand()
    {
        var metric = new Option<string>("--metric") { Description = "rougeL, f1 or em", DefaultValueFactory = _ => "rougeL" };
        metric.AcceptOnlyFromAmong("rougeL", "f1", "em");
        var stem = new Option<bool>("--stem") { Description = "Porter-stem tokens longer than 3 characters (rouge_score use_stemmer=True)" };
        var normalize = new Option<string>("--normalize")
        {
            Description = "Scoring convention: box (In-BoXBART: every reference split on \", \", articles dropped) or sni (no split, articles kept)",
            DefaultValueFactory = _ => ScoringConvention.Box.Name,
        };
        normalize.AcceptOnlyFromAmong(ScoringConvention.Box.Name, ScoringConvention.Sni.Name);
        var prediction = new Option<string>("--prediction") { Description = "The system output", Required = true };
        var reference = new Option<string[]>("--reference") { Description = "A gold string (repeat for several; the max over references is printed)", Required = true };
        var command = new Command("metrics", "Score one prediction: ROUGE-L F (rouge_score), token F1 or exact match (BoX/SNI); prints 0–1")
            { metric, stem, normalize, prediction, reference };
        command.SetAction(parse =>
        {
            try
            {
                var convention = ScoringConvention.Parse(parse.GetValue(normalize)!);
                var scores = new InstanceScorer(parse.GetValue(stem) ? RougeTokenizer.Stemmed : RougeTokenizer.Unstemmed, convention)
                    .Score(parse.GetValue(prediction)!, parse.GetValue(reference)!);
                double score = parse.GetValue(metric) switch
                {
                    "f1" => scores.F1,
                    "em" => scores.ExactMatch,
                    _ => scores.RougeL,
                };
                Console.Out.WriteLine(score.ToString("0.######", CultureInfo.InvariantCulture));
                return 0;
            }
            catch (EvaluationSetupException e)
            {
                return Fail(e.Message);
            }
        });
        return command;
    }

    private static Command EvaluateCommand()
    {
        var model = new Option<string>("--model") { Description = "Base model folder (Hugging Face layout)" };
        var adapter = new Option<string?>("--adapter") { Description = "PEFT LoRA adapter folder: evaluates base and base+adapter" };
        var datasets = new Option<string>("--datasets") { Description = "Folder in the data-sample layout, a BoX-form JSONL (e.g. data/eval/demo_eval.jsonl), or a JSON sources config" };
        var seeds = new Option<string?>("--seeds") { Description = "Seed tasks (BoX_instructions.json or flattened JSONL); default <datasets>/box/BoX_instructions.json, or data/seeds/biomedical_seeds.jsonl beside a data/eval/*.jsonl" };
        var shots = new Option<string>("--shots") { Description = "Comma-separated k values", DefaultValueFactory = _ => "0,1,5" };
        var output = new Option<string>("--out") { Description = "Output folder", DefaultValueFactory = _ => Path.Combine("runs", "eval-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)) };
        var limit = new Option<int?>("--limit") { Description = "At most N instances per dataset" };
        var batch = new Option<int>("--batch-size") { Description = "Prompts per generation call", DefaultValueFactory = _ => 8 };
        var normalize = new Option<string>("--normalize")
        {
            Description = "Scoring convention: box (In-BoXBART, the paper's), box-list-split (split only list-valued datasets' references) or sni",
            DefaultValueFactory = _ => ScoringConvention.Box.Name,
        };
        normalize.AcceptOnlyFromAmong(ScoringConvention.All.Select(c => c.Name).ToArray());
        var funnel = new Option<string?>("--funnel") { Description = "JSON [{\"stage\":…,\"count\":…}] of the run's filter funnel, for the report" };
        var loss = new Option<string?>("--loss") { Description = "training_log.parquet, or JSONL {\"step\":…,\"loss\":…}, of the adapter's training, for the report" };

        var command = new Command("evaluate", "Evaluate base vs self-specialised on the biomedical benchmark at k shots; writes predictions, summary and report")
            { model, adapter, datasets, seeds, shots, output, limit, batch, normalize, funnel, loss };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var modelDir = parse.GetValue(model) ?? throw new EvaluationSetupException("--model is required");
                var dataArg = parse.GetValue(datasets) ?? throw new EvaluationSetupException("--datasets is required");
                if (!Directory.Exists(modelDir)) throw new EvaluationSetupException($"model folder {modelDir} not found");
                var k = ParseShots(parse.GetValue(shots)!);
                var data = BenchmarkSources.Load(dataArg, parse.GetValue(limit));
                if (data.Count == 0) throw new EvaluationSetupException($"no benchmark data found in {dataArg}");
                var seedSet = LoadSeeds(parse.GetValue(seeds), dataArg, k);
                var adapterDir = parse.GetValue(adapter);
                var models = new List<ModelUnderTest> { ModelUnderTest.Base(Path.GetFileName(Path.GetFullPath(modelDir)), EvaluationWiring.CreateModel(modelDir, null, parse.GetValue(batch))) };
                if (adapterDir != null)
                    models.Add(ModelUnderTest.Specialized(Path.GetFileName(Path.GetFullPath(modelDir)) + "+" + Path.GetFileName(Path.GetFullPath(adapterDir)), EvaluationWiring.CreateModel(modelDir, adapterDir, parse.GetValue(batch))));
                var convention = ScoringConvention.Parse(parse.GetValue(normalize)!);
                var runner = new EvaluationRunner(seedSet, RougeTokenizer.Stemmed, new EvaluationOptions { Shots = k, BatchSize = parse.GetValue(batch), Convention = convention });
                EvaluationResult? result = null;
                await AnsiConsole.Progress().StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("evaluating", maxValue: 1);
                    result = await runner.RunAsync(models, data, new Progress<EvaluationProgress>(p =>
                    {
                        task.MaxValue = p.Total;
                        task.Value = p.Done;
                        task.Description = Markup.Escape($"{p.Model} · {p.Dataset} · k={p.K}");
                    }), ct);
                });
                var outDir = parse.GetValue(output)!;
                await new EvaluationResultsWriter { Convention = convention }.WriteAsync(outDir, result!.Predictions, result.Summary, ct);
                var input = new ReportInput
                {
                    Summary = result.Summary, Funnel = ReadFunnel(parse.GetValue(funnel)), Loss = ReadLoss(parse.GetValue(loss)), Convention = convention,
                    Notes = [$"models: {string.Join(", ", models.Select(m => $"{m.Name} ({m.Role})"))}", $"data: {dataArg}", $"k: {string.Join(", ", k)}",
                             "ROUGE-L stemmed (NLTK Porter)"],
                };
                new ReportWriter().Write(outDir, input);
                PrintOverall(result.Summary);
                AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(outDir)}");
                return 0;
            }
            catch (Exception e) when (e is EvaluationSetupException or DatasetFormatException or IOException or FormatException or ArgumentException or JsonException)
            {
                return Fail(e.Message);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[yellow]cancelled: nothing was written[/]");
                return 130;
            }
        });
        command.Subcommands.Add(ReportCommand());
        command.Subcommands.Add(DatasetsCommand());
        return command;
    }

    private static Command ReportCommand()
    {
        var summary = new Option<string>("--summary") { Description = "eval_summary.parquet of a run", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for report.md and report.html", Required = true };
        var funnel = new Option<string?>("--funnel") { Description = "JSON [{\"stage\":…,\"count\":…}]" };
        var loss = new Option<string?>("--loss") { Description = "training_log.parquet, or JSONL {\"step\":…,\"loss\":…}" };
        var title = new Option<string>("--title") { Description = "Report heading", DefaultValueFactory = _ => "Self-specialisation evaluation" };
        var note = new Option<string[]>("--note") { Description = "A line under the title (repeatable)" };
        var command = new Command("report", "Render report.md and report.html from an eval_summary.parquet (plus optional funnel and loss)")
            { summary, output, funnel, loss, title, note };
        command.SetAction(parse =>
        {
            try
            {
                var summaryPath = parse.GetValue(summary)!;
                var rows = EvaluationResultsWriter.Read<SummaryRow>(summaryPath);
                var (md, html) = new ReportWriter().Write(parse.GetValue(output)!, new ReportInput
                {
                    Title = parse.GetValue(title)!, Summary = rows, Funnel = ReadFunnel(parse.GetValue(funnel)),
                    Loss = ReadLoss(parse.GetValue(loss)), Notes = parse.GetValue(note) ?? [], Convention = EvaluationResultsWriter.ReadConvention(summaryPath),
                });
                Console.Out.WriteLine(md);
                Console.Out.WriteLine(html);
                return 0;
            }
            catch (Exception e) when (e is IOException or JsonException or ArgumentException or UnauthorizedAccessException)
            {
                return Fail(e.Message);
            }
        });
        return command;
    }

    private static Command DatasetsCommand()
    {
        var datasets = new Option<string>("--datasets") { Description = "Folder in the data-sample layout, or a JSON sources config", Required = true };
        var command = new Command("datasets", "List the benchmark datasets found and their instance counts") { datasets };
        command.SetAction(parse =>
        {
            try
            {
                var data = BenchmarkSources.Load(parse.GetValue(datasets)!);
                var table = new Table().Border(TableBorder.Rounded).AddColumn("Family").AddColumn("Dataset").AddColumn(new TableColumn("Instances").RightAligned());
                foreach (var (name, items) in data)
                    table.AddRow(BenchmarkCatalog.Get(name).Family.ToString(), Markup.Escape(name), items.Count.ToString(CultureInfo.InvariantCulture));
                AnsiConsole.Write(table);
                return 0;
            }
            catch (Exception e) when (e is DatasetFormatException or IOException)
            {
                return Fail(e.Message);
            }
        });
        return command;
    }

    private static IReadOnlyList<int> ParseShots(string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"--shots: '{s}' is not a number"))
            .Distinct().Order().ToList();
        return values.Count > 0 ? values : throw new FormatException("--shots is empty");
    }

    private static IReadOnlyList<FunnelStage> ReadFunnel(string? path)
    {
        if (path == null) return [];
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().Select(e => new FunnelStage(e.GetProperty("stage").GetString()!, e.GetProperty("count").GetInt32())).ToList();
    }

    /// <summary>
    /// The seed tasks: <c>--seeds</c>; else the BoX file of a data-sample folder; else, for <c>data/eval/x.jsonl</c>, the
    /// project's <c>data/seeds/biomedical_seeds.jsonl</c> beside it; with only k = 0 no seeds are needed (JSONL rows carry
    /// their definitions).
    /// </summary>
    private static SeedTaskSet LoadSeeds(string? seedsArg, string dataArg, IReadOnlyList<int> shots)
    {
        var seedPath = seedsArg;
        if (seedPath == null && Directory.Exists(dataArg)) seedPath = Path.Combine(dataArg, "box", "BoX_instructions.json");
        if (seedPath == null && BoxJsonlLoader.IsJsonl(dataArg))
        {
            var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataArg))!, "..", "seeds", "biomedical_seeds.jsonl");
            if (File.Exists(beside)) seedPath = Path.GetFullPath(beside);
            else if (shots.All(k => k == 0)) return new SeedTaskSet([]);
        }
        if (seedPath == null || !File.Exists(seedPath))
            throw new EvaluationSetupException($"seed tasks not found{(seedPath != null ? $" at {seedPath}" : "")}: pass --seeds (BoX_instructions.json or a seeds JSONL)");
        return SeedTaskSet.Load(seedPath);
    }

    private static IReadOnlyList<LossPoint> ReadLoss(string? path)
    {
        if (path == null) return [];
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            return new SelfSpec.Training.Logging.ParquetTrainingLog().Read(path)
                .Where(e => e.Loss is { } l && double.IsFinite(l)).Select(e => new LossPoint((int)e.Step, e.Loss!.Value)).ToList();
        return File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return new LossPoint(doc.RootElement.GetProperty("step").GetInt32(), doc.RootElement.GetProperty("loss").GetDouble());
        }).ToList();
    }

    private static void PrintOverall(IReadOnlyList<SummaryRow> summary)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Average over datasets[/]")
            .AddColumn("Model").AddColumn("k").AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("ROUGE-L").RightAligned());
        foreach (var r in summary.Where(r => r.Scope == SummaryRow.OverallScope))
            table.AddRow(Markup.Escape($"{r.Model} ({r.Role})"), r.K.ToString(CultureInfo.InvariantCulture),
                r.F1.ToString("0.00", CultureInfo.InvariantCulture), r.RougeL.ToString("0.00", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    private static int Fail(string message)
    {
        AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return 1;
    }
}
