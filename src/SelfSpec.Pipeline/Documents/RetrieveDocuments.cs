using System.Text.Json.Nodes;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Documents;

/// <summary>
/// Retrieves the top-k BM25 documents (the paper: k = 5) for each kept instruction, querying with instruction ⊕ input,
/// and writes <c>retrievals.parquet</c> (<see cref="RetrievalRow"/>): rank, PMID, score and
/// p_ret = softmax(score/τ) over the instruction's k documents (algorithms.md §4.2), plus the document text from the
/// index's document store. An instruction that matches no document gets no rows.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization",
    Description = "Top-k BM25 documents per instruction (instruction ⊕ input) with p_ret = softmax(score/τ); writes retrievals.parquet.")]
public sealed class RetrieveDocuments : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The artifact's file name.</summary>
    public const string FileName = "retrievals.parquet";

    /// <summary>The kept instructions (<c>instructions.parquet</c>, <see cref="InstructionRow"/>).</summary>
    [ActivityInput(Description = "instructions.parquet (kept instructions).", Required = true)]
    public ArtifactRef? Instructions { get; set; }

    /// <summary>The index, as <c>index.json</c> from <see cref="BuildIndex"/>.</summary>
    [ActivityInput(Description = "index.json from BuildIndex.", Required = true)]
    public ArtifactRef? Index { get; set; }

    /// <summary>Documents per instruction (default 5).</summary>
    [ActivityInput(Description = "Documents per instruction (the paper: 5).")]
    public int K { get; set; } = 5;

    /// <summary>The softmax temperature τ of p_ret (default 1; larger flattens the weights).</summary>
    [ActivityInput(Description = "Temperature τ of p_ret = softmax(score/τ) (default 1).")]
    public double Temperature { get; set; } = 1.0;

    /// <summary>Search threads (default 1).</summary>
    [ActivityInput(Description = "Search threads (default 1).")]
    public int Threads { get; set; } = 1;

    /// <summary>The written <c>retrievals.parquet</c>.</summary>
    [ActivityOutput(Description = "retrievals.parquet")]
    public ArtifactRef? Retrievals { get; set; }

    /// <summary>Rows written (instructions × documents found).</summary>
    [ActivityOutput(Description = "Rows written.")]
    public int RowCount { get; set; }

    /// <summary>Instructions for which no document matched.</summary>
    [ActivityOutput(Description = "Instructions that matched no document.")]
    public int InstructionsWithoutDocuments { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        if (K < 1) throw new PipelineException($"k must be at least 1, got {K}", field: "k");
        if (!(Temperature > 0)) throw new PipelineException($"the temperature must be > 0, got {Temperature}", field: "temperature");
        var ct = context.CancellationToken;
        var instructions = ArtifactReader.Read<InstructionRow>(Instructions, "instructions", ct);
        var descriptor = IndexDescriptor.Load(Require(Index, "index").Path);
        var queries = instructions.Select(i => Query(i.Instruction, i.Input)).ToList();

        IReadOnlyList<IReadOnlyList<SearchHit>> hits;
        using (var reader = IndexReader.Open(descriptor.IndexFolder))
        {
            var searcher = new Bm25Searcher(reader);
            var progress = new Progress<int>(n => context.Progress.Report(new ActivityProgress(n, queries.Count, "searching")));
            hits = searcher.SearchBatch(queries, K, Temperature, Math.Max(1, Threads), progress, ct);
        }
        var texts = descriptor.DocumentStore is { } store
            ? DocumentStore.Texts(Path.Combine(descriptor.IndexFolder, store), hits.SelectMany(h => h).Select(h => h.Pmid), ct)
            : new Dictionary<string, string>();

        var rows = new List<RetrievalRow>(instructions.Count * K);
        for (var i = 0; i < instructions.Count; i++)
            for (var r = 0; r < hits[i].Count; r++)
            {
                var hit = hits[i][r];
                rows.Add(new RetrievalRow(instructions[i].Id, r + 1, hit.Pmid, hit.Score, hit.PRet, hit.Title, texts.GetValueOrDefault(hit.Pmid)));
            }
        var metadata = ArtifactMetadata.For(this, context, new JsonObject
        {
            ["k"] = K,
            ["temperature"] = Temperature,
            ["query"] = "instruction \\n input",
            ["index_documents"] = descriptor.Documents,
            ["index_generation"] = descriptor.Generation,
        });
        metadata.Write(context.GetArtifactPath(FileName), rows, ct);
        Retrievals = context.RegisterArtifact(FileName);
        RowCount = rows.Count;
        InstructionsWithoutDocuments = hits.Count(h => h.Count == 0);
        context.Log($"{rows.Count} documents for {instructions.Count} instructions (k = {K}, τ = {Temperature}); {InstructionsWithoutDocuments} matched nothing");
        return ValueTask.CompletedTask;
    }

    /// <summary>The BM25 query of an instruction: instruction ⊕ input (joined by a newline; BM25 ignores the separator).</summary>
    public static string Query(string instruction, string input) => input.Length == 0 ? instruction : instruction + "\n" + input;

    private static ArtifactRef Require(ArtifactRef? artifact, string name) =>
        artifact ?? throw new PipelineException("required input is not set", field: name);
}

/// <summary>Looks up document texts in an index's <c>documents.parquet</c>.</summary>
internal static class DocumentStore
{
    /// <summary>Title and abstract (joined by a newline, as indexed) of each wanted PMID; the last version of a PMID wins.</summary>
    public static Dictionary<string, string> Texts(string path, IEnumerable<string> pmids, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(pmids, StringComparer.Ordinal);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (wanted.Count == 0 || !File.Exists(path)) return texts;
        foreach (var doc in ParquetSerializer.ReadStream<DocumentRow>(path, cancellationToken))
            if (wanted.Contains(doc.Pmid))
                texts[doc.Pmid] = doc.Title.Length == 0 ? doc.Abstract : doc.Abstract.Length == 0 ? doc.Title : doc.Title + "\n" + doc.Abstract;
        return texts;
    }
}
