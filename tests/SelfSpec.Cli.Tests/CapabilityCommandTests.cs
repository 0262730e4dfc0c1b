using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Cli.Tests;

/// <summary>The capability commands run as the real CLI, checked against independent references.</summary>
public class CapabilityCommandTests
{
    [Fact]
    public void TokenizeJsonPrintsTheIdsAndTokensTransformersJsComputed()
    {
        var dir = Paths.Fixture("tokenizers", "llama2");
        foreach (var line in File.ReadLines(Path.Combine(dir, "cases.jsonl")).Take(5))
        {
            var c = JsonNode.Parse(line)!;
            var text = c["text"]!.GetValue<string>();
            var r = SelfSpecCli.Run("tokenize", "--tokenizer", dir, "--text", text, "--json");
            Assert.True(r.ExitCode == 0, r.ToString());
            var o = JsonNode.Parse(r.StdOut)!;
            Assert.Equal(c["ids"]!.AsArray().Select(x => (int)x!), o["ids"]!.AsArray().Select(x => (int)x!));
            Assert.Equal(c["tokens"]!.AsArray().Select(x => (string)x!), o["tokens"]!.AsArray().Select(x => (string)x!));

            var special = JsonNode.Parse(SelfSpecCli.Run("tokenize", "--tokenizer", dir, "--text", text, "--json", "--with-special").StdOut)!;
            Assert.Equal(c["ids_with_special"]!.AsArray().Select(x => (int)x!), special["ids"]!.AsArray().Select(x => (int)x!));
        }
    }

    [Fact]
    public void TokenizerTrainWritesATokenizerThatTokenizeLoads()
    {
        using var dir = new TempDir();
        var corpus = Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl");
        var r = SelfSpecCli.Run("tokenizer", "train", "--input", corpus, "--vocab-size", "600", "--special-tokens", "<s>", "</s>", "--out", dir.FullPath);
        Assert.True(r.ExitCode == 0, r.ToString());
        var text = "Imatinib inhibits BCR-ABL.";
        var t = SelfSpecCli.Run("tokenize", "--tokenizer", dir.FullPath, "--text", text, "--json");
        Assert.True(t.ExitCode == 0, t.ToString());
        var tokens = JsonNode.Parse(t.StdOut)!["tokens"]!.AsArray().Select(x => (string)x!).ToList();
        Assert.NotEmpty(tokens);
        // byte-level BPE: the tokens concatenate back to the text once Ġ (U+0120) is read as a space
        Assert.Equal(text, string.Concat(tokens).Replace('\u0120', ' '));
    }

    [Fact]
    public void TokenizeNamesAMissingTokenizerFolder()
    {
        var r = SelfSpecCli.Run("tokenize", "--tokenizer", "/no/such/dir", "--text", "x");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("/no/such/dir", r.StdOut + r.StdErr);
    }

    [Fact]
    public void ParquetFromJsonlToJsonlAndInspectAgreeWithDuckDb()
    {
        using var dir = new TempDir();
        var jsonl = dir.Combine("in.jsonl");
        File.WriteAllLines(jsonl,
        [
            "{\"id\":1,\"task\":\"qa\",\"score\":0.5,\"doc_ids\":[\"9100001\",\"9100002\"]}",
            "{\"id\":2,\"task\":\"ner\",\"score\":null,\"doc_ids\":[]}",
        ]);
        var parquet = dir.Combine("out.parquet");
        var w = SelfSpecCli.Run("parquet", "from-jsonl", jsonl, parquet, "--codec", "gzip");
        Assert.True(w.ExitCode == 0, w.ToString());

        // DuckDB reads what the CLI wrote
        var rows = DuckDb.Rows(DuckDb.Inspect(parquet));
        Assert.Equal(2, rows.Count);
        Assert.Equal("qa", rows[0]["task"]!.ToString());
        Assert.Equal(["9100001", "9100002"], rows[0]["doc_ids"]!.AsArray().Select(x => x!.ToString()));
        Assert.Null(rows[1]["score"]);

        // to-jsonl gives the rows back
        var back = SelfSpecCli.Run("parquet", "to-jsonl", parquet);
        Assert.True(back.ExitCode == 0, back.ToString());
        var lines = back.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["qa", "ner"], lines.Select(l => (string)l["task"]!));
        Assert.Equal(0.5, (double)lines[0]["score"]!);

        // inspect --json: schema, row count, codec of the row groups
        var inspect = SelfSpecCli.Run("parquet", "inspect", parquet, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        var doc = JsonNode.Parse(inspect.StdOut)!;
        Assert.Equal(2, (int)doc["num_rows"]!);
        Assert.Equal(["id", "task", "score", "doc_ids"], doc["schema"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Contains("GZIP", doc["row_groups"]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ParquetFromJsonlWritesZstdThatDuckDbReadsExactly()
    {
        using var dir = new TempDir();
        var jsonl = dir.Combine("in.jsonl");
        var lines = Enumerable.Range(0, 3000).Select(i => new JsonObject
        {
            ["id"] = i, ["task"] = i % 3 == 0 ? null : $"task {i % 17}", ["text"] = string.Concat(Enumerable.Repeat($"word{i % 101} ", 1 + i % 40)),
        }.ToJsonString()).ToList();
        File.WriteAllLines(jsonl, lines);
        foreach (var level in new[] { "1", "19" })
        {
            var parquet = dir.Combine($"zstd{level}.parquet");
            var w = SelfSpecCli.Run("parquet", "from-jsonl", jsonl, parquet, "--codec", "zstd", "--zstd-level", level);
            Assert.True(w.ExitCode == 0, w.ToString());
            var doc = DuckDb.Inspect(parquet);
            Assert.Equal("ZSTD", (string)doc["row_groups"]![0]!["columns"]![0]!["codec"]!);
            var rows = DuckDb.Rows(doc);
            Assert.Equal(lines.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                var expected = JsonNode.Parse(lines[i])!;
                Assert.Equal(i.ToString(), rows[i]["id"]!.ToString()); // BIGINT: a string in parquet-inspect's convention
                Assert.Equal((string?)expected["task"], (string?)rows[i]["task"]);
                Assert.Equal((string?)expected["text"], (string?)rows[i]["text"]);
            }
        }
        Assert.True(new FileInfo(dir.Combine("zstd19.parquet")).Length < new FileInfo(dir.Combine("zstd1.parquet")).Length);

        var bad = SelfSpecCli.Run("parquet", "from-jsonl", jsonl, dir.Combine("lz4.parquet"), "--codec", "lz4");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("unknown Parquet codec 'lz4' (snappy, zstd, gzip or none)", bad.StdErr);
        Assert.False(File.Exists(dir.Combine("lz4.parquet")));
    }

    [Fact]
    public void ParquetInspectNamesTheFileOfACorruptInput()
    {
        var bad = Paths.Fixture("parquet", "corrupt_bad_magic_tail.parquet");
        var r = SelfSpecCli.Run("parquet", "inspect", bad);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("corrupt_bad_magic_tail.parquet", r.StdOut + r.StdErr);
    }

    [Fact]
    public void WorkflowsValidateAcceptsTheBuiltInFixturesAndNamesProblemsOfOthers()
    {
        var ok = SelfSpecCli.Run("workflows", "validate", Paths.Fixture("elsa", "elsa-core-3.7.1__ExplicitJoins__join-all-1.json"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
        // the HTTP workflow uses activity types this runtime does not have: reported, not crashed
        var http = SelfSpecCli.Run("workflows", "validate", Paths.Fixture("elsa", "elsa-core-3.7.1__HttpWorkflows__http-hello-world.json"));
        Assert.NotEqual(0, http.ExitCode);
        Assert.Contains("HttpEndpoint", http.StdOut + http.StdErr);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void RunBuildsTheDemoIndexThenReusesItAndIndexSearchFindsTheAbstract()
    {
        using var dir = new TempDir();
        var index = dir.Combine("index");
        var env = new Dictionary<string, string> { ["COLUMNS"] = "160" };
        string[] run = ["run", Path.Combine(Paths.RepoRoot, "workflows", "build-pubmed-index.json"),
            "--input", $"corpusPath={Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl")}", "--input", $"indexFolder={index}"];
        var first = SelfSpecCli.Run(run, dir.FullPath, env, TimeSpan.FromMinutes(5));
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = SelfSpecCli.Run(run, dir.FullPath, env, TimeSpan.FromMinutes(5));
        Assert.True(second.ExitCode == 0, second.ToString());

        var list = SelfSpecCli.Run(["runs", "list"], dir.FullPath, env);
        Assert.True(list.ExitCode == 0, list.ToString());

        var search = SelfSpecCli.Run(["index", "search", "--index", index, "--query", "imatinib BCR-ABL chronic myeloid leukemia", "--json"], dir.FullPath, env);
        Assert.True(search.ExitCode == 0, search.ToString());
        var hits = JsonDocument.Parse(search.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(5, hits.Count);
        Assert.Equal(1.0, hits.Sum(h => h.GetProperty("p_ret").GetDouble()), 6);
        // the top hit mentions the drug (the corpus is the team's own demo data)
        var top = hits[0].GetProperty("pmid").GetString()!;
        var abstractLine = File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl")).First(l => l.Contains($"\"{top}\""));
        Assert.Contains("imatinib", abstractLine, StringComparison.OrdinalIgnoreCase);
    }
}
