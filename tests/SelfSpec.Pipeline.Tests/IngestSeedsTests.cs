using System.Text.Json.Nodes;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

public class IngestSeedsTests
{
    private static string DemoSeeds => Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");

    [Fact]
    public async Task TheDemoSeedsBecomeSeedsParquetWithFooterMetadataReadableByDuckDb()
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(DemoSeeds, "String"))], ["seeds", "seedCount"]));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error);
        var path = ArtifactPath(result, "ingest", "seeds");
        Assert.Equal(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, "ingest", "seeds.parquet"), path);
        Assert.Equal(80, Outputs(result, "ingest")["seedCount"]!.GetValue<int>());

        var doc = DuckDb.Inspect(path);
        var rows = DuckDb.Rows(doc);
        var source = File.ReadLines(DemoSeeds).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(source.Count, rows.Count);
        for (var i = 0; i < source.Count; i++)
        {
            Assert.Equal(source[i]["id"]!.ToString(), rows[i]["id"]!.ToString());
            Assert.Equal(source[i]["task"]!.ToString(), rows[i]["task"]!.ToString());
            Assert.Equal(source[i]["instruction"]!.ToString(), rows[i]["instruction"]!.ToString());
            Assert.Equal(source[i]["input"]!.ToString(), rows[i]["input"]!.ToString());
            Assert.Equal(source[i]["output"]!.ToString(), rows[i]["output"]!.ToString());
            Assert.Equal((i + 1).ToString(), rows[i]["source_row"]!.ToString());
        }
        var kv = DuckDb.KeyValues(doc);
        Assert.Equal("pipeline-test", kv[ArtifactMetadata.WorkflowKey]);
        Assert.Equal("SelfSpec.IngestSeeds", kv[ArtifactMetadata.ActivityKey]);
        Assert.Equal("ingest", kv[ArtifactMetadata.ActivityIdKey]);
        Assert.Equal("1", kv[ArtifactMetadata.VersionKey]);
        var parameters = JsonNode.Parse(kv[ArtifactMetadata.ParametersKey]!)!;
        Assert.Equal("biomedical_seeds.jsonl", parameters["seeds_file"]!.ToString());
        Assert.Equal(80, parameters["seed_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task ReIngestingTheSameSeedsGivesAByteIdenticalArtifact()
    {
        using var host = new PipelineHost();
        var first = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(DemoSeeds, "String"))], ["seeds"]));
        var second = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(DemoSeeds, "String"))], ["seeds"]));
        Assert.NotEqual(first.InstanceId, second.InstanceId);
        Assert.Null(second.Records.Single().ReusedFromId); // not cached by path: the file is read again
        Assert.Equal(Outputs(first, "ingest")["seeds"]!["sha256"]!.ToString(), Outputs(second, "ingest")["seeds"]!["sha256"]!.ToString());
    }

    [Fact]
    public void CsvWithQuotedFieldsBoxDefinitionColumnAndNoIds()
    {
        using var dir = new TempDir("selfspec-seeds-");
        var csv = dir.Combine("seeds.csv");
        File.WriteAllText(csv,
            "Task,Definition,Input,Output\r\n" +
            "NCBI,\"Identify diseases, one per line.\",\"Patients with \"\"cystic fibrosis\"\"\nhave CFTR mutations.\",cystic fibrosis <Disease>\r\n" +
            "Def,Define the term.,,A short definition.\r\n");
        var seeds = SeedReader.Read(csv);
        Assert.Equal(2, seeds.Count);
        Assert.Equal(new SeedRow("seed-001", "NCBI", "Identify diseases, one per line.", "Patients with \"cystic fibrosis\"\nhave CFTR mutations.",
            "cystic fibrosis <Disease>", "seeds.csv", 2), seeds[0]);
        Assert.Equal(new SeedRow("seed-002", "Def", "Define the term.", "", "A short definition.", "seeds.csv", 4), seeds[1]);
    }

    [Fact]
    public void ParquetSeedsWrittenByDuckDbAreRead()
    {
        using var dir = new TempDir("selfspec-seeds-");
        var jsonl = dir.Combine("in.jsonl");
        File.WriteAllLines(jsonl,
        [
            """{"task":"HoC","definition":"Classify the hallmark.","input":"Cells evade apoptosis.","output":"resisting cell death","id":"h1"}""",
            """{"task":"QA","definition":"Answer briefly.","input":null,"output":"yes","id":"q1"}""",
        ]);
        var parquet = dir.Combine("seeds.parquet");
        var made = ChildProcess.Run(Paths.SharedTool("parquet-write"),
            ["--input", jsonl, "--output", parquet, "--columns", "task VARCHAR, definition VARCHAR, input VARCHAR, output VARCHAR, id VARCHAR", "--quiet"],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(made.ExitCode == 0, made.ToString());
        var seeds = SeedReader.Read(parquet);
        Assert.Equal([new SeedRow("h1", "HoC", "Classify the hallmark.", "Cells evade apoptosis.", "resisting cell death", "seeds.parquet", 1),
                      new SeedRow("q1", "QA", "Answer briefly.", "", "yes", "seeds.parquet", 2)], seeds);
    }

    public static TheoryData<string, string, long, string?, string> BadJsonl => new()
    {
        // file content, file name, row, field, message fragment
        { """{"instruction":"Do X.","input":"","output":"Y"}""" + "\n" + """{"instruction":"","output":"Y"}""", "a.jsonl", 2, "instruction", "is empty" },
        { """{"instruction":"Do X.","input":""}""", "b.jsonl", 1, "output", "is missing" },
        { "\n\n" + """{"instruction":"Do X.","output":"Y",}""", "c.jsonl", 3, null, "invalid JSON" },
        { """{"instruction":"Do X.","output":42}""", "d.jsonl", 1, "output", "must be a string, found number" },
        { """["Do X.","Y"]""", "e.jsonl", 1, null, "expected a JSON object" },
        { """{"input":"x","output":"Y"}""", "f.jsonl", 1, "instruction", "expected 'instruction' or 'definition'" },
        { """{"instruction":"A.","definition":"B.","output":"Y"}""", "g.jsonl", 1, "definition", "differ" },
        { """{"id":"s1","instruction":"A.","output":"Y"}""" + "\n" + """{"id":"s1","instruction":"B.","output":"Z"}""", "h.jsonl", 2, "id", "duplicate id 's1' (first used in row 1)" },
        { "", "i.jsonl", 0, null, "holds no seeds" },
    };

    [Theory]
    [MemberData(nameof(BadJsonl))]
    public void InvalidRowsAreReportedWithFileRowAndField(string content, string fileName, long row, string? field, string message)
    {
        using var dir = new TempDir("selfspec-seeds-");
        var path = dir.Combine(fileName);
        File.WriteAllText(path, content);
        var e = Assert.Throws<SeedFormatException>(() => SeedReader.Read(path));
        var error = e.Errors[0];
        Assert.Equal(fileName, error.File);
        Assert.Equal(row, error.Row);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"{fileName}, row {row}", e.Message);
    }

    [Fact]
    public void AllErrorsOfAFileAreCollected()
    {
        using var dir = new TempDir("selfspec-seeds-");
        var csv = dir.Combine("bad.csv");
        File.WriteAllText(csv, "instruction,input,output\nDo X.,,\n,in,out\nonly,two\nGood one.,,fine\n");
        var e = Assert.Throws<SeedFormatException>(() => SeedReader.Read(csv));
        Assert.Equal(["bad.csv, row 2, field 'output': is empty", "bad.csv, row 3, field 'instruction': is empty", "bad.csv, row 4: has 2 fields, the header has 3"],
            e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public async Task AnInvalidSeedFileFaultsTheWorkflowWithTheRowInTheMessage()
    {
        using var host = new PipelineHost();
        var path = host.Dir.Combine("bad.jsonl");
        File.WriteAllText(path, """{"instruction":"Do X.","output":"Y"}""" + "\n" + """{"instruction":"Do Z."}""" + "\n");
        var result = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(path, "String"))], ["seeds"]));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var record = result.Records.Single(r => r.ActivityId == "ingest");
        Assert.Contains("bad.jsonl, row 2, field 'output': is missing", record.Error);
        Assert.False(File.Exists(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, "ingest", "seeds.parquet")));
    }

    [Fact]
    public async Task TheCompressionInputChoosesTheArtifactsCodecAndKeepsTheRows()
    {
        using var host = new PipelineHost();
        var snappy = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds", [("seedsPath", Lit(DemoSeeds, "String"))], ["seeds"]));
        var zstd = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds",
            [("seedsPath", Lit(DemoSeeds, "String")), ("compression", Lit("zstd", "String"))], ["seeds"]));
        Assert.True(zstd.Status == WorkflowStatus.Finished, zstd.Error);
        var snappyDoc = DuckDb.Inspect(ArtifactPath(snappy, "ingest", "seeds"));
        var zstdDoc = DuckDb.Inspect(ArtifactPath(zstd, "ingest", "seeds"));
        Assert.Equal("SNAPPY", (string)snappyDoc["row_groups"]![0]!["columns"]![0]!["codec"]!);
        Assert.Equal("ZSTD", (string)zstdDoc["row_groups"]![0]!["columns"]![0]!["codec"]!);
        Assert.True(JsonNode.DeepEquals(snappyDoc["rows"], zstdDoc["rows"]));

        var bad = await host.RunChainAsync(("ingest", "SelfSpec.IngestSeeds",
            [("seedsPath", Lit(DemoSeeds, "String")), ("compression", Lit("lz4", "String"))], ["seeds"]));
        Assert.Equal(WorkflowStatus.Faulted, bad.Status);
        Assert.Contains("field 'compression': unknown Parquet codec 'lz4' (snappy, zstd, gzip or none)", bad.Records.Single(r => r.ActivityId == "ingest").Error);
    }

    [Fact]
    public void TheRoundTripKeepsEverySeedField()
    {
        using var dir = new TempDir("selfspec-seeds-");
        var seeds = SeedReader.Read(DemoSeeds);
        var path = dir.Combine("seeds.parquet");
        ParquetSerializer.Write(path, seeds);
        Assert.Equal(seeds, ParquetSerializer.Read<SeedRow>(path));
    }
}
