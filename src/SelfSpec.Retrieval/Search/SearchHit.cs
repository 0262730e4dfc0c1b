namespace SelfSpec.Retrieval.Search;

/// <summary>One retrieved document.</summary>
/// <param name="Pmid">The document's id.</param>
/// <param name="Score">BM25 score.</param>
/// <param name="PRet">Retrieval probability: softmax(score/τ) over the returned hits.</param>
/// <param name="Title">The document's title (stored field).</param>
/// <param name="DocId">Internal doc id in the searched snapshot (for diagnostics; changes with merges).</param>
public sealed record SearchHit(string Pmid, float Score, double PRet, string Title, int DocId);

/// <summary>Raw top-k result: global doc ids and scores, best first (ties: lower doc id first, as Lucene).</summary>
/// <param name="Docs">Doc ids.</param>
/// <param name="Scores">Scores, same order.</param>
/// <param name="ScoredDocuments">Documents the scorer examined: candidates drawn from the essential posting lists
/// (block-max MaxScore) or every matching document (exhaustive). A measure of pruning.</param>
public sealed record TopDocs(int[] Docs, float[] Scores, long ScoredDocuments);
