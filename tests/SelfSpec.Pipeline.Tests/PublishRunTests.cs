using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary><c>SelfSpec.PublishRun</c>: a run's artifacts land in one folder with a manifest, replacing only a previous publication.</summary>
public class PublishRunTests
{
    private static readonly string SeedsFile = Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");

    private static Task<WorkflowRunResult> IngestAndPublish(PipelineHost host, string outputFolder) => host.RunChainAsync(
        ("ingestSeeds", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
        ("publishRun", "SelfSpec.PublishRun", [("outputFolder", Lit(outputFolder, "String"))], ["outputPath"]));

    [Fact]
    public async Task CopiesEveryArtifactUnderItsActivityWithAManifestThatMatchesTheBytes()
    {
        using var host = new PipelineHost();
        var output = host.Dir.Combine("out", "demo");
        var result = await IngestAndPublish(host, output);
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

        var published = Path.Combine(output, "ingestSeeds", "seeds.parquet");
        Assert.Equal(File.ReadAllBytes(ArtifactPath(result, "ingestSeeds", "seeds")), File.ReadAllBytes(published));
        Assert.Equal(80, DuckDb.Inspect(published, "--no-rows")["num_rows"]!.GetValue<int>());

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")))!;
        var entry = Assert.Single(manifest["files"]!.AsArray());
        Assert.Equal("ingestSeeds/seeds.parquet", entry!["path"]!.ToString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(published))), entry["sha256"]!.ToString());
        Assert.Equal(result.InstanceId, manifest["instance"]!.ToString());
        Assert.Equal(output, Outputs(result, "publishRun")["outputPath"]!.ToString());
    }

    [Fact]
    public async Task ReplacesAPreviousPublicationButRefusesSomeoneElsesFolder()
    {
        using var host = new PipelineHost();
        var output = host.Dir.Combine("out", "demo");
        Assert.Equal(WorkflowStatus.Finished, (await IngestAndPublish(host, output)).Status);
        File.WriteAllText(Path.Combine(output, "stale.txt"), "left from an older publication");
        var again = await IngestAndPublish(host, output);
        Assert.Equal(WorkflowStatus.Finished, again.Status);
        Assert.False(File.Exists(Path.Combine(output, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(output, "ingestSeeds", "seeds.parquet")));
        Assert.Equal([output], Directory.GetDirectories(Path.GetDirectoryName(output)!)); // no staging or .old folders left

        var foreign = host.Dir.Combine("precious");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        var refused = await IngestAndPublish(host, foreign);
        Assert.Equal(WorkflowStatus.Faulted, refused.Status);
        Assert.Contains("not a previous publication", string.Join("\n", refused.Records.Select(r => r.Error)) + refused.Error);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(foreign, "notes.txt")));
        Assert.Single(Directory.GetFileSystemEntries(foreign));
    }

    [Fact]
    public async Task AStageReusedFromCacheIsPublishedLikeOneThatRan()
    {
        using var host = new PipelineHost();
        var output = host.Dir.Combine("out");
        Task<WorkflowRunResult> Run() => host.RunChainAsync(
            ("iterate", "SelfSpec.Iterate", [("model", Lit(Paths.Fixture("llama", "tiny-llama"), "String")), ("adapter", Lit(Paths.Fixture("llama", "tiny-lora"), "String"))], ["record", "expertAdapter"]),
            ("publishRun", "SelfSpec.PublishRun", [("outputFolder", Lit(output, "String"))], ["outputPath"]));
        var first = await Run();
        Assert.Equal(WorkflowStatus.Finished, first.Status);
        var second = await Run();
        Assert.Equal(WorkflowStatus.Finished, second.Status);
        Assert.NotNull(second.Records.Single(r => r.ActivityId == "iterate").ReusedFromId);
        // iterate/iteration.json from the first run's folder; the fixture adapter lies outside runs/ and is not copied.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")))!;
        Assert.Equal(["iterate/iteration.json"], manifest["files"]!.AsArray().Select(f => f!["path"]!.ToString()));
        Assert.Equal(File.ReadAllBytes(ArtifactPath(first, "iterate", "record")), File.ReadAllBytes(Path.Combine(output, "iterate", "iteration.json")));
    }
    [Fact]
    public async Task AFileThatNoLongerMatchesItsRecordIsNotPublishedAndTheRunFaults()
    {
        using var host = new PipelineHost();
        var output = host.Dir.Combine("out", "demo");
        var first = await IngestAndPublish(host, output);
        Assert.Equal(WorkflowStatus.Finished, first.Status);
        var before = File.ReadAllBytes(Path.Combine(output, "ingestSeeds", "seeds.parquet"));

        // A later publication of the recorded artifact (held by a variable, as a reused stage's output is) after the file was damaged in place.
        var seeds = ArtifactPath(first, "ingestSeeds", "seeds");
        var recorded = Outputs(first, "ingestSeeds")["seeds"]!.ToJsonString();
        var bytes = File.ReadAllBytes(seeds);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(seeds, bytes);
        var definition = PipelineHost.Chain(("publishRun", "SelfSpec.PublishRun", [("outputFolder", Lit(output, "String"))], ["outputPath"]));
        definition.Variables.Add(new SelfSpec.Workflows.Definitions.VariableDefinition { Id = "var-seeds", Name = "seeds", TypeName = "Object", Value = recorded });
        var again = await host.Runtime.RunAsync(definition);

        Assert.Equal(WorkflowStatus.Faulted, again.Status);
        var error = again.Records.Single(r => r.ActivityId == "publishRun").Error!;
        Assert.Contains("the published copy of ingestSeeds/seeds.parquet differs from what its activity wrote", error);
        Assert.Contains("content changed (expected xxh128 of bytes 0-", error);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "ingestSeeds", "seeds.parquet"))); // the previous publication stays
    }
}
