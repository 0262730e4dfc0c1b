using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

/// <summary>A completed activity is reused only when its files are what it wrote; otherwise it and its dependants run again.</summary>
public class ArtifactVerificationTests
{
    private static WorkflowDefinition Pipeline() => new TestWorkflow()
        .Variable("A").Variable("B").Variable("C")
        .Add("w1", "SelfSpec.Test.WriteText", ("text", Lit("hello")), ("repeat", Lit(3)))
        .Add("w2", "SelfSpec.Test.WriteText", ("text", Lit("world")), ("repeat", Lit(40)))
        .Add("c", "SelfSpec.Test.Concat", ("left", Var("A")), ("right", Var("B")))
        .Bind("w1", "file", "A").Bind("w2", "file", "B").Bind("c", "file", "C")
        .Chain("w1", "w2", "c")
        .Build("pipeline");

    private static ActivityExecutionRecord Record(WorkflowRunResult r, string id) => r.Records.Single(x => x.ActivityId == id);


    [Theory]
    [InlineData(FileDamage.FlipBytesInPlace)]
    [InlineData(FileDamage.Truncate)]
    [InlineData(FileDamage.Delete)]
    public async Task ADamagedArtifactIsReportedOnceAndItsActivityAndDependantsRunAgain(FileDamage damage)
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline());
        Assert.Equal(WorkflowStatus.Finished, first.Status);
        var damagedFile = Path.Combine(home.RunsDirectory, first.InstanceId, "w2", "out.txt");
        var original = File.ReadAllBytes(damagedFile);
        var firstConcat = File.ReadAllBytes(Path.Combine(home.RunsDirectory, first.InstanceId, "c", "concat.txt"));
        damage.Apply(damagedFile);

        var log = new EventLog();
        var second = await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = log });
        Assert.Equal(WorkflowStatus.Finished, second.Status);
        Assert.Equal(["w1"], log.Ended(ActivityOutcomeKind.Reused));
        Assert.Equal(["w2", "c"], log.Ended(ActivityOutcomeKind.Completed)); // c's own files were intact: it runs again because it read w2's
        var reported = Assert.Single(log.Events.OfType<ArtifactsDamaged>());
        Assert.Equal("w2", reported.ActivityId);
        var check = Assert.Single(reported.Damaged);
        Assert.Equal(damagedFile, check.Artifact.Path);
        Assert.Equal(damage switch { FileDamage.FlipBytesInPlace => ArtifactState.ContentChanged, FileDamage.Truncate => ArtifactState.SizeChanged, _ => ArtifactState.Missing }, check.State);

        // What is passed on is what w2 wrote, not the damaged file.
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(home.RunsDirectory, second.InstanceId, "w2", "out.txt")));
        Assert.Equal(firstConcat, File.ReadAllBytes(Path.Combine(home.RunsDirectory, second.InstanceId, "c", "concat.txt")));

        var journal = home.Store.GetLog(second.InstanceId).Where(l => l.EventName == "ArtifactDamaged").ToList();
        var entry = Assert.Single(journal);
        Assert.Equal("w2", entry.ActivityId);
        Assert.Contains(damagedFile, entry.Message);
        if (damage == FileDamage.Truncate) Assert.Contains($"expected {original.Length:N0} bytes, found {original.Length / 2:N0} bytes", entry.Message);
        if (damage == FileDamage.FlipBytesInPlace) Assert.Contains("xxh128 of bytes 0-" + (original.Length - 1), entry.Message);

        // The next run reuses the recomputed results without a word.
        var thirdLog = new EventLog();
        await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = thirdLog });
        Assert.Equal(["w1", "w2", "c"], thirdLog.Ended(ActivityOutcomeKind.Reused));
        Assert.Empty(thirdLog.Events.OfType<ArtifactsDamaged>());
    }

    [Fact]
    public async Task RecordsWithoutChunkDigestsVerifyBySha256WithoutFalseAlarms()
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline());
        // Records as the previous release wrote them: {path, sha256, size} only.
        foreach (var record in home.Store.GetRecords(first.InstanceId))
        {
            var artifacts = JsonNode.Parse(record.ArtifactsJson)!.AsArray();
            foreach (var a in artifacts) Assert.True(a!.AsObject().Remove("digest"));
            record.ArtifactsJson = artifacts.ToJsonString();
            home.Store.UpdateRecord(record, null);
        }
        var log = new EventLog();
        await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = log });
        Assert.Equal(["w1", "w2", "c"], log.Ended(ActivityOutcomeKind.Reused));
        Assert.Empty(log.Events.OfType<ArtifactsDamaged>());

        var file = Path.Combine(home.RunsDirectory, first.InstanceId, "w1", "out.txt");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        FileDamage.FlipBytesInPlace.Apply(file);
        var damagedLog = new EventLog();
        await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = damagedLog });
        var check = Assert.Single(Assert.Single(damagedLog.Events.OfType<ArtifactsDamaged>()).Damaged);
        Assert.Equal($"sha256 {sha}", check.Expected);
        Assert.Equal("sha256 " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), check.Found);
        Assert.Equal(["w1", "w2", "c"], damagedLog.Ended(ActivityOutcomeKind.Completed));
    }

    [Fact]
    public async Task AResumedInstanceRecomputesItsOwnDamagedActivityAndWhatFollows()
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { InstanceId = "resume-me" });
        // Make it resumable as if it had faulted after its last activity.
        var instance = home.Store.FindInstance(first.InstanceId)!;
        instance.Status = WorkflowStatus.Faulted;
        home.Store.UpdateInstance(instance);
        FileDamage.FlipBytesInPlace.Apply(Path.Combine(home.RunsDirectory, first.InstanceId, "w1", "out.txt"));

        var log = new EventLog();
        var resumed = await home.Runtime.ResumeAsync(first.InstanceId, new WorkflowRunOptions { Events = log });
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal(["w1", "w2", "c"], log.Ended(ActivityOutcomeKind.Completed));
        Assert.Single(log.Events.OfType<ArtifactsDamaged>());
        Assert.Equal("hello 0\nhello 1\nhello 2\n", File.ReadAllText(Path.Combine(home.RunsDirectory, first.InstanceId, "w1", "out.txt")));
        Assert.All(RunVerifier.Verify(home.Store, [home.Store.FindInstance(first.InstanceId)!]), v => Assert.True(v.Check.IsIntact, v.Check.Describe()));
    }

    [Fact]
    public async Task RunVerifierListsDamagedAndMissingFilesWithTheActivityToRecompute()
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline());
        var second = await home.Runtime.RunAsync(Pipeline()); // all reused: its artifacts are the first run's files
        var all = home.Store.ListInstances();
        Assert.All(RunVerifier.Verify(home.Store, all), v => Assert.True(v.Check.IsIntact));

        FileDamage.FlipBytesInPlace.Apply(Path.Combine(home.RunsDirectory, first.InstanceId, "c", "concat.txt"));
        FileDamage.Delete.Apply(Path.Combine(home.RunsDirectory, first.InstanceId, "w1", "out.txt"));
        var bad = RunVerifier.Verify(home.Store, [home.Store.FindInstance(second.InstanceId)!]).Where(v => !v.Check.IsIntact)
            .Select(v => (v.Record.ActivityId, v.Check.State)).OrderBy(x => x.ActivityId).ToList();
        Assert.Equal([("c", ArtifactState.ContentChanged), ("w1", ArtifactState.Missing)], bad);
        var verdict = RunVerifier.Verify(home.Store, all).First(v => !v.Check.IsIntact && v.Record.ActivityId == "w1");
        Assert.Equal("selfspec run <workflow.json> --force w1", verdict.RecomputeCommand);
    }

    [Fact]
    public void ChunkDigestsLocateDamageInALargeFileAndMatchAFreshHash()
    {
        using var dir = new TempDir("selfspec-digest-");
        var path = dir.Combine("big.bin");
        var bytes = new byte[2 * ChunkDigests.ChunkSize + 12345];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var artifact = ArtifactRef.Create(path, path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), artifact.Sha256);
        Assert.Equal(3, ChunkDigests.Parse(artifact.Digest!).Length);
        Assert.True(ArtifactVerifier.Verify(artifact).IsIntact);

        using (var f = new FileStream(path, FileMode.Open)) { f.Position = ChunkDigests.ChunkSize + 100; f.WriteByte((byte)(bytes[ChunkDigests.ChunkSize + 100] ^ 1)); }
        var check = ArtifactVerifier.Verify(artifact);
        Assert.Equal(ArtifactState.ContentChanged, check.State);
        Assert.StartsWith($"xxh128 of bytes {ChunkDigests.ChunkSize}-{2L * ChunkDigests.ChunkSize - 1} ", check.Expected);
    }
}
