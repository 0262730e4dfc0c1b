using System.CommandLine;
using System.Text.Json;
using SelfSpec.Retrieval;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec index build|add|delete|search|stats|corpus</c>: the BM25 engine over PubMed abstracts.</summary>
public sealed class IndexCommands : ICommandGroup
{
    private static readonly Option<string> IndexDir = new("--index") { Description = "Index folder", Required = true };
    private static readonly Option<string[]> Inputs = new("--input")
    {
        Description = "PubMed XML (.xml, .xml.gz) or JSONL (.jsonl, .jsonl.gz) files, applied in the order given",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };
    private static readonly Option<bool> WithEmpty = new("--with-empty-abstracts") { Description = "Keep articles that have no abstract" };
    private static readonly Option<string> IdField = new("--id-field") { Description = "JSONL id field", DefaultValueFactory = _ => "pmid" };
    private static readonly Option<string> TitleField = new("--title-field") { Description = "JSONL title field", DefaultValueFactory = _ => "title" };
    private static readonly Option<string> TextField = new("--text-field") { Description = "JSONL text field", DefaultValueFactory = _ => "abstract" };
    private static readonly Option<int> BatchSize = new("--batch-size") { Description = "Documents per segment before it is written", DefaultValueFactory = _ => 50_000 };
    private static readonly Option<bool> ForceMerge = new("--force-merge") { Description = "Merge into a single segment before committing" };

    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var index = new Command("index", "Build, update and search the BM25 index of PubMed abstracts");
        index.Subcommands.Add(BuildCommand("build", "Build a new index from corpus files (replaces the index atomically when done)", create: true));
        index.Subcommands.Add(BuildCommand("add", "Apply more corpus files (new articles, new versions, DeleteCitation) to an existing index", create: false));
        index.Subcommands.Add(DeleteCommand());
        index.Subcommands.Add(SearchCommand());
        index.Subcommands.Add(StatsCommand());
        index.Subcommands.Add(CorpusCommand());
        yield return index;
    }

    private static Command BuildCommand(string name, string description, bool create)
    {
        var cmd = new Command(name, description);
        foreach (var o in new Option[] { Inputs, IndexDir, WithEmpty, IdField, TitleField, TextField, BatchSize, ForceMerge }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Guard(async () =>
        {
            var dir = r.GetValue(IndexDir)!;
            if (!create && !IndexManifest.Exists(dir)) throw new IndexFormatException("no index here to add to; use `index build`", dir);
            var fields = new CorpusFieldMap { Id = r.GetValue(IdField)!, Title = r.GetValue(TitleField)!, Text = r.GetValue(TextField)! };
            var options = new PubMedReadOptions { IncludeEmptyAbstracts = r.GetValue(WithEmpty) };
            var started = System.Diagnostics.Stopwatch.StartNew();
            IndexManifest manifest = null!;
            IndexProgress last = new("starting", 0, 0, 0, null);
            await AnsiConsole.Status().StartAsync("Indexing…", async ctx =>
            {
                var progress = new Progress<IndexProgress>(p =>
                {
                    last = p.Phase == "indexing" ? p : last;
                    ctx.Status($"{p.Phase}: {last.DocumentsAdded:N0} added, {last.DocumentsDeleted:N0} deleted" +
                               (last.Source is null ? "" : $" ({Markup.Escape(Path.GetFileName(last.Source))})"));
                });
                using var writer = IndexWriter.Open(dir, new IndexWriterOptions { Create = create, MaxBufferedDocs = r.GetValue(BatchSize), AnalysisThreads = CliRuntime.Threads });
                await writer.ApplyAsync(CorpusSource.ReadAsync(r.GetValue(Inputs)!, fields, options, ct), progress, ct);
                if (r.GetValue(ForceMerge))
                {
                    ctx.Status("merging into one segment…");
                    writer.ForceMerge(ct);
                }
                ctx.Status("committing…");
                manifest = writer.Commit(progress, ct);
            });
            using var reader = IndexReader.Open(dir);
            AnsiConsole.MarkupLine($"[green]Index {Markup.Escape(dir)}[/]: generation {manifest.Generation}, {reader.LiveDocCount:N0} documents in " +
                                   $"{manifest.Segments.Count} segment(s), {last.DocumentsAdded:N0} added / {last.DocumentsDeleted:N0} deleted in {started.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return cmd;
    }

    private static Command DeleteCommand()
    {
        var ids = new Option<string[]>("--pmid") { Description = "PMIDs to delete", AllowMultipleArgumentsPerToken = true };
        var file = new Option<string?>("--pmids-file") { Description = "File with one PMID per line" };
        var cmd = new Command("delete", "Delete documents by PMID");
        cmd.Options.Add(IndexDir);
        cmd.Options.Add(ids);
        cmd.Options.Add(file);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Guard(() =>
        {
            var dir = r.GetValue(IndexDir)!;
            if (!IndexManifest.Exists(dir)) throw new IndexFormatException("no index here (manifest.json missing)", dir);
            var all = (r.GetValue(ids) ?? []).ToList();
            var path = r.GetValue(file);
            if (path is not null) all.AddRange(File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0));
            using var writer = IndexWriter.Open(dir);
            int deleted = all.Count(writer.Delete);
            var manifest = writer.Commit(null, ct);
            AnsiConsole.MarkupLine($"[green]Deleted {deleted:N0}[/] of {all.Count:N0} requested; generation {manifest.Generation}");
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Command SearchCommand()
    {
        var query = new Option<string?>("--query") { Description = "Query text (any text: no syntax)" };
        var queries = new Option<string?>("--queries") { Description = "File with one query per line: batch search on all threads, JSONL output" };
        var k = new Option<int>("--k") { Description = "Number of documents", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print [{\"pmid\",\"score\",\"p_ret\",\"title\"}]" };
        var temperature = new Option<double>("--temperature") { Description = "τ of p_ret = softmax(score/τ)", DefaultValueFactory = _ => 1.0 };
        var k1 = new Option<float>("--k1") { Description = "BM25 k1", DefaultValueFactory = _ => 1.2f };
        var b = new Option<float>("--b") { Description = "BM25 b", DefaultValueFactory = _ => 0.75f };
        var cmd = new Command("search", "Search the index");
        foreach (var o in new Option[] { IndexDir, query, queries, k, json, temperature, k1, b }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Guard(() =>
        {
            using var reader = IndexReader.Open(r.GetValue(IndexDir)!);
            var searcher = new Bm25Searcher(reader, new Bm25Similarity(r.GetValue(k1), r.GetValue(b)));
            int topK = r.GetValue(k);
            double tau = r.GetValue(temperature);
            var batchFile = r.GetValue(queries);
            if (batchFile is not null)
            {
                var lines = File.ReadAllLines(batchFile);
                var results = searcher.SearchBatch(lines, topK, tau, CliRuntime.Threads, null, ct);
                using var stdout = Console.OpenStandardOutput();
                using var w = new StreamWriter(stdout);
                for (int i = 0; i < lines.Length; i++)
                    w.WriteLine(JsonSerializer.Serialize(new { query = lines[i], hits = results[i].Select(ToJson) }));
                return Task.FromResult(0);
            }
            var text = r.GetValue(query) ?? throw new RetrievalException("give --query TEXT or --queries FILE");
            var hits = searcher.Search(text, topK, tau);
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(hits.Select(ToJson)));
                return Task.FromResult(0);
            }
            var table = new Table().AddColumns("#", "PMID", "score", "p_ret", "title");
            for (int i = 0; i < hits.Count; i++)
                table.AddRow((i + 1).ToString(), hits[i].Pmid, hits[i].Score.ToString("F4"), hits[i].PRet.ToString("F4"), Markup.Escape(hits[i].Title));
            if (hits.Count == 0) AnsiConsole.MarkupLine("[yellow]No matching documents.[/]");
            else AnsiConsole.Write(table);
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Dictionary<string, object> ToJson(SearchHit h) =>
        new() { ["pmid"] = h.Pmid, ["score"] = h.Score, ["p_ret"] = h.PRet, ["title"] = h.Title };

    private static Command StatsCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var cmd = new Command("stats", "Show the index's size and segments");
        cmd.Options.Add(IndexDir);
        cmd.Options.Add(json);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Guard(() =>
        {
            var dir = r.GetValue(IndexDir)!;
            using var reader = IndexReader.Open(dir);
            long bytes = reader.Manifest.ReferencedFiles().Sum(f => new FileInfo(Path.Combine(dir, f)).Length);
            var stats = new
            {
                generation = reader.Manifest.Generation,
                documents = reader.LiveDocCount,
                deleted_documents = reader.DeletedDocCount,
                max_doc = reader.MaxDoc,
                average_length = Bm25Similarity.AverageLength(reader.SumTotalTermFreq, reader.MaxDoc),
                segments = reader.Manifest.Segments.Select(s => new { name = s.Name, docs = s.DocCount, deleted = s.DeletedCount }),
                bytes,
            };
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(stats));
                return Task.FromResult(0);
            }
            var table = new Table().AddColumns("segment", "documents", "deleted");
            foreach (var s in reader.Manifest.Segments) table.AddRow(s.Name, s.DocCount.ToString("N0"), s.DeletedCount.ToString("N0"));
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dir)}[/]: generation {stats.generation}, {stats.documents:N0} documents " +
                                   $"({stats.deleted_documents:N0} deleted, not yet merged away), avgdl {stats.average_length:F1}, {bytes / 1048576.0:F1} MiB");
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }));
        return cmd;
    }

    private static Command CorpusCommand()
    {
        var output = new Option<string>("--output") { Description = "corpus.jsonl (corpus.parquet once SelfSpec.Parquet is wired in)", Required = true };
        var cmd = new Command("corpus", "Export the resolved corpus (latest version of each PMID, deletions applied)");
        foreach (var o in new Option[] { Inputs, output, WithEmpty, IdField, TitleField, TextField }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult r, CancellationToken ct) => Guard(async () =>
        {
            var fields = new CorpusFieldMap { Id = r.GetValue(IdField)!, Title = r.GetValue(TitleField)!, Text = r.GetValue(TextField)! };
            var options = new PubMedReadOptions { IncludeEmptyAbstracts = r.GetValue(WithEmpty) };
            var articles = await CorpusSource.ResolveAsync(CorpusSource.ReadAsync(r.GetValue(Inputs)!, fields, options, ct), ct);
            await using var sink = CorpusSinks.Create(r.GetValue(output)!);
            long n = await CorpusSinks.WriteAllAsync(sink, articles, ct);
            AnsiConsole.MarkupLine($"[green]Wrote {n:N0} articles[/] to {Markup.Escape(r.GetValue(output)!)}");
            return 0;
        }));
        return cmd;
    }

    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is RetrievalException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            AnsiConsole.MarkupLine("[red]error:[/] " + Markup.Escape(e.Message));
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled; the index is unchanged.[/]");
            return 130;
        }
    }
}
