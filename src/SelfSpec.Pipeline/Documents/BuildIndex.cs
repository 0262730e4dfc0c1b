using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Documents;

/// <summary>
/// Builds the BM25 index (SelfSpec.Retrieval) of a corpus (PubMed XML, .xml.gz, JSONL with pmid/title/abstract) in a
/// folder, plus a document store <c>documents.parquet</c> (<see cref="DocumentRow"/>) so retrieval can hand the texts to
/// response generation. Skips the work when the folder already holds an index built from the same files (same path,
/// size and modification time) unless <see cref="Rebuild"/> is set. Writes <c>index.json</c> (<see cref="IndexDescriptor"/>)
/// as its artifact. The index folder is outside the run folder, so the activity is not cached by input; the up-to-date
/// check stands in for the cache.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization", Cacheable = false,
    Description = "Builds a BM25 index and document store of a corpus (PubMed XML or JSONL) in a folder.")]
public sealed class BuildIndex : WorkflowActivity
{
    /// <summary>The artifact's file name.</summary>
    public const string FileName = "index.json";

    /// <summary>
    /// The corpus file(s): PubMed XML (.xml, .xml.gz) or JSONL; several are separated by ';' and read in order. An entry
    /// may be a folder (its .xml, .xml.gz and .jsonl files) or end in a file-name pattern with <c>*</c>/<c>?</c>
    /// (<c>/data/pubmed/pubmed24n*.xml.gz</c>); matches are read in ordinal name order, so baseline files precede updates.
    /// </summary>
    [ActivityInput(Description = "Corpus file(s): PubMed XML (.xml/.xml.gz) or JSONL (pmid, title, abstract); several separated by ';'; a folder or a file-name pattern (pubmed24n*.xml.gz) takes every match in name order.", Required = true)]
    public string CorpusPath { get; set; } = "";

    /// <summary>The folder the index is written to (created if missing).</summary>
    [ActivityInput(Description = "Folder for the index (created if missing).", Required = true)]
    public string IndexFolder { get; set; } = "";

    /// <summary>Rebuild even if the index is up to date.</summary>
    [ActivityInput(Description = "Rebuild even when the index is up to date.")]
    public bool Rebuild { get; set; }

    /// <summary>The written <c>index.json</c>; pass it to <see cref="RetrieveDocuments"/>.</summary>
    [ActivityOutput(Description = "index.json: the index folder, generation, document count and corpus files.")]
    public ArtifactRef? Index { get; set; }

    /// <summary>The index folder (absolute).</summary>
    [ActivityOutput(Description = "The index folder (absolute path).")]
    public string? IndexPath { get; set; }

    /// <summary>The number of documents indexed.</summary>
    [ActivityOutput(Description = "Documents in the index.")]
    public int DocumentCount { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var ct = context.CancellationToken;
        var sources = CorpusFiles(CorpusPath).Select(CorpusFileStamp.Of).ToList();
        if (sources.Count == 0) throw new PipelineException("no corpus file given", field: "corpusPath");
        var folder = Path.GetFullPath(IndexFolder);
        var statePath = Path.Combine(folder, IndexDescriptor.StateFileName);

        var descriptor = Rebuild ? null : UpToDate(folder, statePath, sources);
        if (descriptor is null)
        {
            descriptor = await BuildAsync(folder, sources, context).ConfigureAwait(false);
            descriptor.Save(statePath);
            context.Log($"indexed {descriptor.Documents} documents from {sources.Count} file(s) into {folder} (generation {descriptor.Generation})");
        }
        else
        {
            context.Log($"index in {folder} is up to date ({descriptor.Documents} documents, generation {descriptor.Generation})");
        }
        ct.ThrowIfCancellationRequested();
        descriptor.Save(context.GetArtifactPath(FileName));
        Index = context.RegisterArtifact(FileName);
        IndexPath = folder;
        DocumentCount = descriptor.Documents;
        context.Progress.Report(new ActivityProgress(descriptor.Documents, descriptor.Documents, "done"));
    }

    /// <summary>The files named by <paramref name="corpusPath"/>: ';'-separated files, folders or file-name patterns, in order.</summary>
    internal static IReadOnlyList<string> CorpusFiles(string corpusPath)
    {
        var files = new List<string>();
        foreach (var entry in corpusPath.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var full = Path.GetFullPath(entry);
            var name = Path.GetFileName(full);
            IEnumerable<string> matches;
            if (Directory.Exists(full))
                matches = Directory.EnumerateFiles(full).Where(f => f.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)
                    || f.EndsWith(".xml.gz", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase));
            else if (name.IndexOfAny(['*', '?']) >= 0)
            {
                var folder = Path.GetDirectoryName(full)!;
                if (!Directory.Exists(folder)) throw new PipelineException($"the folder of '{entry}' does not exist", file: folder, field: "corpusPath");
                matches = Directory.EnumerateFiles(folder, name);
            }
            else
            {
                files.Add(full);
                continue;
            }
            var sorted = matches.Order(StringComparer.Ordinal).ToList();
            if (sorted.Count == 0) throw new PipelineException($"'{entry}' matches no corpus file", file: full, field: "corpusPath");
            files.AddRange(sorted);
        }
        return files;
    }

    private static IndexDescriptor? UpToDate(string folder, string statePath, IReadOnlyList<CorpusFileStamp> sources)
    {
        if (!File.Exists(statePath) || !IndexManifest.Exists(folder) || !File.Exists(Path.Combine(folder, IndexDescriptor.DocumentStoreFileName)))
            return null;
        IndexDescriptor state;
        try { state = IndexDescriptor.Load(statePath); }
        catch (PipelineException) { return null; }
        var manifest = IndexManifest.Load(folder);
        return state.IndexFolder == folder && state.Generation == manifest.Generation && state.Sources.SequenceEqual(sources) ? state : null;
    }

    private static async Task<IndexDescriptor> BuildAsync(string folder, IReadOnlyList<CorpusFileStamp> sources, ActivityExecutionContext context)
    {
        var ct = context.CancellationToken;
        var paths = sources.Select(s => s.Path).ToList();
        var progress = new Progress<IndexProgress>(p =>
            context.Progress.Report(new ActivityProgress(p.DocumentsAdded, null, $"{p.Phase}: {p.DocumentsAdded} documents")));
        int documents;
        long generation;
        // The old state file goes first: if the build is interrupted the folder is never mistaken for up to date.
        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, IndexDescriptor.StateFileName));
        using (var writer = IndexWriter.Open(folder, new IndexWriterOptions { Create = true }))
        {
            await writer.ApplyAsync(CorpusSource.ReadAsync(paths, cancellationToken: ct), progress, ct).ConfigureAwait(false);
            var manifest = writer.Commit(progress, ct);
            documents = writer.LiveDocCount;
            generation = manifest.Generation;
        }
        // The document store: every upsert in corpus order (a later version of a PMID follows the earlier one; readers keep the last).
        var upserts = CorpusSource.ReadAsync(paths, cancellationToken: ct).ToBlockingEnumerable(ct)
            .OfType<ArticleUpsert>()
            .Select(u => new DocumentRow(u.Article.Pmid, u.Article.Title, u.Article.Abstract));
        ParquetSerializer.Write(Path.Combine(folder, IndexDescriptor.DocumentStoreFileName), upserts, cancellationToken: ct);
        return new IndexDescriptor(folder, generation, documents, IndexDescriptor.DocumentStoreFileName, sources);
    }
}
