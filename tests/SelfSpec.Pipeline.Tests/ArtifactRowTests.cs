using System.Text.Json.Nodes;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The artifact schemas round-trip through SelfSpec.Parquet and open in DuckDB with the documented columns.</summary>
public class ArtifactRowTests
{
    private static readonly ArtifactMetadata Metadata = new("wf", "SelfSpec.Test", "act1", 3, new JsonObject { ["k"] = 5, ["domain"] = "biomedical" });

    private static (List<T> Back, JsonObject DuckDb) RoundTrip<T>(IReadOnlyList<T> rows)
    {
        using var dir = new TempDir("selfspec-rows-");
        var path = dir.Combine(typeof(T).Name + ".parquet");
        Metadata.Write(path, rows);
        var back = ParquetSerializer.Read<T>(path);
        using (var reader = ParquetReader.Open(path))
            Assert.Equal("SelfSpec.Test", reader.KeyValueMetadata[ArtifactMetadata.ActivityKey]);
        var doc = DuckDb.Inspect(path);
        var kv = DuckDb.KeyValues(doc);
        Assert.Equal("wf", kv[ArtifactMetadata.WorkflowKey]);
        Assert.Equal("SelfSpec.Test", kv[ArtifactMetadata.ActivityKey]);
        Assert.Equal("act1", kv[ArtifactMetadata.ActivityIdKey]);
        Assert.Equal("3", kv[ArtifactMetadata.VersionKey]);
        Assert.Equal(5, JsonNode.Parse(kv[ArtifactMetadata.ParametersKey]!)!["k"]!.GetValue<int>());
        Assert.Equal(rows.Count, doc["num_rows"]!.GetValue<long>());
        return (back, doc);
    }

    [Fact]
    public void SeedRows()
    {
        SeedRow[] rows = [new("seed-001", "BioASQ-8b_factoid", "Answer with a span.", "Context: α-synuclein …", "SNCA", "seeds.jsonl", 1),
                          new("seed-002", "", "Define apoptosis.", "", "Programmed cell death.", "seeds.jsonl", 3)];
        var (back, doc) = RoundTrip(rows);
        Assert.Equal(rows, back);
        Assert.Equal(["id", "task", "instruction", "input", "output", "source_file", "source_row"], DuckDb.ColumnNames(doc));
        var first = DuckDb.Rows(doc)[0];
        Assert.Equal("Context: α-synuclein …", first["input"]!.ToString());
        Assert.Equal("1", first["source_row"]!.ToString());
    }

    [Fact]
    public void RawInstructionRowsKeepCompletionItemsAndErrors()
    {
        InstructionRawRow[] rows =
        [
            new(0, ["seed-004", "seed-017", "seed-063"], " Q\n4. Input:\nI\n4. Output:\nO\n###\n5. Instruction: broken", false,
                ["Q"], [""], ["O"], ["item 5: expected …"], ["item 4: labels numbered 4, 2, 4, not 4; accepted (item numbering: any)"]),
            new(1, ["seed-001", "seed-002", "seed-003"], "", true, [], [], [], [], []),
        ];
        var (back, doc) = RoundTrip(rows);
        Assert.Equal(rows.Length, back.Count);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].PromptId, back[i].PromptId);
            Assert.Equal(rows[i].SeedIds, back[i].SeedIds);
            Assert.Equal(rows[i].Completion, back[i].Completion);
            Assert.Equal(rows[i].ParsedInstructions, back[i].ParsedInstructions);
            Assert.Equal(rows[i].ParsedInputs, back[i].ParsedInputs);
            Assert.Equal(rows[i].ParseErrors, back[i].ParseErrors);
            Assert.Equal(rows[i].ParseNotes, back[i].ParseNotes);
        }
        Assert.Equal(["prompt_id", "seed_ids", "completion", "truncated", "parsed_instructions", "parsed_inputs", "parsed_outputs", "parse_errors", "parse_notes"],
            DuckDb.ColumnNames(doc));
        var first = DuckDb.Rows(doc)[0];
        Assert.Equal(3, first["seed_ids"]!.AsArray().Count);
        Assert.Equal("item 5: expected …", first["parse_errors"]![0]!.ToString());
        Assert.StartsWith("item 4: labels numbered 4, 2, 4", first["parse_notes"]![0]!.ToString());
        Assert.Empty(DuckDb.Rows(doc)[1]["parsed_instructions"]!.AsArray());
    }

    [Fact]
    public void KeptAndRejectedInstructionRows()
    {
        InstructionRow[] kept = [new("inst-000001", 0, "Name the gene.", "", 0.41, "Identify the gene."), new("inst-000002", 2, "Q?", "I", 0, null)];
        var (backKept, keptDoc) = RoundTrip(kept);
        Assert.Equal(kept, backKept);
        Assert.Equal(["id", "prompt_id", "instruction", "input", "max_similarity", "most_similar"], DuckDb.ColumnNames(keptDoc));
        Assert.Null(DuckDb.Rows(keptDoc)[1]["most_similar"]);

        RejectedInstructionRow[] rejected = [new(0, 3, "Draw a map.", "", "blacklisted_keyword", "contains 'map'", null, null),
                                             new(1, 0, "Name the gene!", "", "too_similar", "similarity 0.9 > 0.7", 0.9, "Name the gene.")];
        var (backRejected, rejectedDoc) = RoundTrip(rejected);
        Assert.Equal(rejected, backRejected);
        Assert.Equal(["prompt_id", "item_index", "instruction", "input", "reason", "detail", "max_similarity", "most_similar"], DuckDb.ColumnNames(rejectedDoc));
        Assert.Equal("too_similar", DuckDb.Rows(rejectedDoc)[1]["reason"]!.ToString());
    }

    [Fact]
    public void RetrievalAndSftRows()
    {
        RetrievalRow[] retrievals = [new("inst-000001", 1, "9100001", 12.4, 0.856557, "Imatinib in CML", "Imatinib in CML\nBACKGROUND: …"),
                                     new("inst-000001", 2, "9100002", 10.1, 0.143443, "Other", null)];
        var (backRetrievals, retrievalDoc) = RoundTrip(retrievals);
        Assert.Equal(retrievals, backRetrievals);
        Assert.Equal(["instruction_id", "rank", "pmid", "score", "p_ret", "title", "text"], DuckDb.ColumnNames(retrievalDoc));
        Assert.Equal(0.856557, DuckDb.Rows(retrievalDoc)[0]["p_ret"]!.GetValue<double>());

        SftRow[] sft = [new("inst-000001", "Name the gene.", "", "BRCA1", ["9100001", "9100002"], -0.734), new("inst-000002", "Q?", "I", "A", [], -1.5)];
        var (backSft, sftDoc) = RoundTrip(sft);
        for (var i = 0; i < sft.Length; i++)
        {
            Assert.Equal(sft[i].DocIds, backSft[i].DocIds);
            Assert.Equal(sft[i] with { DocIds = [] }, backSft[i] with { DocIds = [] });
        }
        Assert.Equal(["instruction_id", "instruction", "input", "output", "doc_ids", "mean_token_log_prob"], DuckDb.ColumnNames(sftDoc));
        Assert.Equal("9100002", DuckDb.Rows(sftDoc)[0]["doc_ids"]![1]!.ToString());
    }
}
