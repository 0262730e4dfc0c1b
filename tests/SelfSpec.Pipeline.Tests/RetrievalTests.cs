using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Documents;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>BuildIndex and RetrieveDocuments on the demo corpus, run through the workflow runtime.</summary>
public class RetrievalTests
{
    private static string DemoCorpus => Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl");

    private static readonly InstructionRow[] Instructions =
    [
        new("inst-000001", 0, "Which fusion protein does imatinib inhibit in chronic myeloid leukemia?", "", 0.2, null),
        new("inst-000002", 0, "Summarise the main finding of the study.", "Warfarin dosing was adjusted by CYP2C9 and VKORC1 genotype in atrial fibrillation patients.", 0.3, null),
        new("inst-000003", 1, "Identify the disease in the sentence.", "Mutations in the CFTR gene cause cystic fibrosis.", 0.1, null),
        new("inst-000004", 2, "Xyzzy plugh frobnicate.", "qwertyuiop", 0.0, null),
    ];

    private static Dictionary<string, JsonObject> Corpus() =>
        File.ReadLines(DemoCorpus).Select(l => JsonNode.Parse(l)!.AsObject()).ToDictionary(o => o["pmid"]!.ToString());

    [Fact]
    public async Task RetrievesTopKWithSoftmaxWeightsAndDocumentTexts()
    {
        using var host = new PipelineHost();
        var instructionsPath = host.Dir.Combine("instructions.parquet");
        ParquetSerializer.Write(instructionsPath, Instructions);
        var indexFolder = host.Dir.Combine("index");
        var result = await host.RunChainAsync(
            ("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(DemoCorpus, "String")), ("indexFolder", Lit(indexFolder, "String"))], ["index", "documentCount"]),
            ("retrieve", "SelfSpec.RetrieveDocuments", [("instructions", ArtifactInput(instructionsPath)), ("index", Var("index")), ("temperature", Lit(2.0))],
                ["retrievals", "rowCount", "instructionsWithoutDocuments"]));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        Assert.Equal(306, Outputs(result, "build")["documentCount"]!.GetValue<int>());
        var outputs = Outputs(result, "retrieve");
        Assert.Equal(15, outputs["rowCount"]!.GetValue<int>());
        Assert.Equal(1, outputs["instructionsWithoutDocuments"]!.GetValue<int>());

        var path = ArtifactPath(result, "retrieve", "retrievals");
        var doc = DuckDb.Inspect(path);
        Assert.Equal(["instruction_id", "rank", "pmid", "score", "p_ret", "title", "text"], DuckDb.ColumnNames(doc));
        var kv = DuckDb.KeyValues(doc);
        Assert.Equal("SelfSpec.RetrieveDocuments", kv[ArtifactMetadata.ActivityKey]);
        var parameters = JsonNode.Parse(kv[ArtifactMetadata.ParametersKey]!)!;
        Assert.Equal(5, parameters["k"]!.GetValue<int>());
        Assert.Equal(2.0, parameters["temperature"]!.GetValue<double>());

        var rows = DuckDb.Rows(doc);
        var corpus = Corpus();
        foreach (var group in rows.GroupBy(r => r["instruction_id"]!.ToString()))
        {
            var list = group.ToList();
            Assert.Equal(Enumerable.Range(1, 5), list.Select(r => r["rank"]!.GetValue<int>()));
            var scores = list.Select(r => r["score"]!.GetValue<double>()).ToList();
            Assert.Equal(scores.OrderByDescending(s => s), scores);
            // p_ret = softmax(score / τ) over the instruction's k documents, τ = 2 (algorithms.md §4.2).
            var exp = scores.Select(s => Math.Exp(s / 2.0)).ToList();
            for (var i = 0; i < list.Count; i++)
                Assert.Equal(exp[i] / exp.Sum(), list[i]["p_ret"]!.GetValue<double>(), 1e-9);
            Assert.Equal(1.0, list.Sum(r => r["p_ret"]!.GetValue<double>()), 1e-9);
            foreach (var r in list)
            {
                var article = corpus[r["pmid"]!.ToString()];
                Assert.Equal(article["title"]!.ToString(), r["title"]!.ToString());
                Assert.Equal(article["title"] + "\n" + article["abstract"], r["text"]!.ToString());
            }
        }
        Assert.DoesNotContain(rows, r => r["instruction_id"]!.ToString() == "inst-000004");
        // The demo corpus has an abstract about imatinib in CML; it must come first for the imatinib question.
        var top = rows.First(r => r["instruction_id"]!.ToString() == "inst-000001");
        Assert.Contains("imatinib", top["text"]!.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("CFTR", rows.First(r => r["instruction_id"]!.ToString() == "inst-000003")["text"]!.ToString());
    }

    [Fact]
    public async Task TheActivityReturnsWhatTheSearcherReturnsForInstructionPlusInput()
    {
        using var host = new PipelineHost();
        var instructionsPath = host.Dir.Combine("instructions.parquet");
        ParquetSerializer.Write(instructionsPath, Instructions);
        var indexFolder = host.Dir.Combine("index");
        var result = await host.RunChainAsync(
            ("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(DemoCorpus, "String")), ("indexFolder", Lit(indexFolder, "String"))], ["index"]),
            ("retrieve", "SelfSpec.RetrieveDocuments", [("instructions", ArtifactInput(instructionsPath)), ("index", Var("index")), ("k", Lit(3))], ["retrievals"]));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error);
        var rows = ParquetSerializer.Read<RetrievalRow>(ArtifactPath(result, "retrieve", "retrievals"));

        using var reader = IndexReader.Open(indexFolder);
        var searcher = new Bm25Searcher(reader);
        var expected = Instructions.SelectMany(i => searcher.Search(i.Instruction + "\n" + i.Input, 3)
            .Select((h, r) => (i.Id, Rank: r + 1, h.Pmid, Score: (double)h.Score, h.PRet))).ToList();
        Assert.Equal(expected, rows.Select(r => (r.InstructionId, r.Rank, r.Pmid, r.Score, r.PRet)).ToList());
        // Both parts of the query count: the input alone decides the warfarin instruction's top document.
        Assert.Contains("warfarin", rows.First(r => r.InstructionId == "inst-000002").Text!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BuildIndexSkipsAnUpToDateIndexAndRebuildsWhenTheCorpusChanges()
    {
        using var host = new PipelineHost();
        var corpus = host.Dir.Combine("corpus.jsonl");
        File.Copy(DemoCorpus, corpus);
        var indexFolder = host.Dir.Combine("index");
        (string, string, (string, InputValue)[], string[]) Build(bool rebuild = false) =>
            ("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(corpus, "String")), ("indexFolder", Lit(indexFolder, "String")), ("rebuild", Lit(rebuild))], ["index", "documentCount"]);

        var first = await host.RunChainAsync(Build());
        Assert.True(first.Status == WorkflowStatus.Finished, first.Error);
        var firstIndex = IndexDescriptor.Load(ArtifactPath(first, "build", "index"));
        Assert.Equal(306, firstIndex.Documents);
        Assert.Equal(306, DuckDb.Inspect(Path.Combine(indexFolder, "documents.parquet"))["num_rows"]!.GetValue<long>());

        var second = await host.RunChainAsync(Build());
        Assert.Equal(Outputs(first, "build")["index"]!["sha256"]!.ToString(), Outputs(second, "build")["index"]!["sha256"]!.ToString());
        Assert.Contains(host.Store.GetLog(second.InstanceId), l => l.Message?.Contains("is up to date") == true);

        var forced = await host.RunChainAsync(Build(rebuild: true));
        Assert.Equal(firstIndex.Generation + 1, IndexDescriptor.Load(ArtifactPath(forced, "build", "index")).Generation);

        File.AppendAllText(corpus, """{"pmid": "9199999", "title": "Test abstract", "abstract": "A zebrafish xenograft model of glioma.", "journal": "J", "year": 2020, "mesh_terms": []}""" + "\n");
        var changed = await host.RunChainAsync(Build());
        Assert.Equal(307, Outputs(changed, "build")["documentCount"]!.GetValue<int>());
        using var reader = IndexReader.Open(indexFolder);
        Assert.Equal("9199999", new Bm25Searcher(reader).Search("zebrafish xenograft", 1)[0].Pmid);
    }

    [Fact]
    public async Task AMissingCorpusFaultsWithItsPath()
    {
        using var host = new PipelineHost();
        var missing = host.Dir.Combine("nope.jsonl");
        var result = await host.RunChainAsync(("build", "SelfSpec.BuildIndex", [("corpusPath", Lit(missing, "String")), ("indexFolder", Lit(host.Dir.Combine("i"), "String"))], ["index"]));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains(missing, result.Records.Single().Error);
    }
}
