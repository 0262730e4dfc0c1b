using SelfSpec.TestSupport;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.TestHost;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class CachingTests
{
    private static WorkflowDefinition Pipeline(string firstText = "hello") => new TestWorkflow()
        .Variable("A").Variable("B").Variable("C")
        .Add("w1", "SelfSpec.Test.WriteText", ("text", Lit(firstText)), ("repeat", Lit(3)))
        .Add("w2", "SelfSpec.Test.WriteText", ("text", Lit("world")))
        .Add("c", "SelfSpec.Test.Concat", ("left", Var("A")), ("right", Var("B")))
        .Bind("w1", "file", "A").Bind("w2", "file", "B").Bind("c", "file", "C")
        .Chain("w1", "w2", "c")
        .Build("pipeline");

    private static ActivityExecutionRecord Record(WorkflowRunResult r, string id) => r.Records.Single(x => x.ActivityId == id);

    [Fact]
    public async Task ArtifactsLandInTheActivityFolderWithTheirContentHash()
    {
        using var home = new TestHome();
        var result = await home.Runtime.RunAsync(Pipeline());
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        var concat = Path.Combine(home.RunsDirectory, result.InstanceId, "c", "concat.txt");
        Assert.Equal("hello 0\nhello 1\nhello 2\nworld 0\n", File.ReadAllText(concat));
        var sha = ChildProcess.Run("sha256sum", [concat]).StdOut.Split(' ')[0];
        Assert.Contains($"\"sha256\":\"{sha}\"", Record(result, "c").ArtifactsJson);
        Assert.False(Directory.Exists(Path.Combine(home.RunsDirectory, result.InstanceId, ".staging", "c-1")));
    }

    [Fact]
    public async Task AnArtifactVariableIsAnArtifactRefWhetherItsActivityRanOrWasReused()
    {
        // The second activity writes the type of variable A into its file; when w1 is reused, A comes back from the
        // store's JSON and must still be an ArtifactRef (else the text differs and w2 would not be reused either).
        var definition = new TestWorkflow()
            .Variable("A").Variable("B")
            .Add("w1", "SelfSpec.Test.WriteText", ("text", Lit("hello")))
            .Add("w2", "SelfSpec.Test.WriteText", ("text", CSharp("Get(\"A\").GetType().Name", "String")))
            .Bind("w1", "file", "A").Bind("w2", "file", "B")
            .Chain("w1", "w2")
            .Build("artifact-variable");
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(definition);
        var second = await home.Runtime.RunAsync(definition);
        Assert.Equal(WorkflowStatus.Finished, second.Status);
        Assert.NotNull(Record(second, "w1").ReusedFromId);
        Assert.NotNull(Record(second, "w2").ReusedFromId);
        var typeFile = System.Text.Json.Nodes.JsonNode.Parse(Record(first, "w2").ArtifactsJson)![0]!["path"]!.ToString();
        Assert.Equal("ArtifactRef 0\n", File.ReadAllText(typeFile));
    }

    [Fact]
    public async Task ASecondRunReusesEveryActivityAndForceRecomputesTheActivityAndItsDependents()
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline());

        var log = new EventLog();
        var second = await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = log });
        Assert.Equal(WorkflowStatus.Finished, second.Status);
        Assert.Equal(["w1", "w2", "c"], log.Ended(ActivityOutcomeKind.Reused));
        Assert.Equal(Record(first, "c").Id, Record(second, "c").ReusedFromId);
        Assert.Equal(0, Record(second, "c").Attempts);

        var forcedLog = new EventLog();
        var forced = await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = forcedLog, Force = ["w2"] });
        Assert.Equal(["w1"], forcedLog.Ended(ActivityOutcomeKind.Reused));
        Assert.Equal(["w2", "c"], forcedLog.Ended(ActivityOutcomeKind.Completed));
        Assert.Null(Record(forced, "c").ReusedFromId);
        Assert.Equal(Record(first, "c").CacheKey, Record(forced, "c").CacheKey); // same content in, same key: files are content-addressed
    }

    [Fact]
    public async Task ChangingAnInputRecomputesItAndWhatReadsItsArtifact()
    {
        using var home = new TestHome();
        await home.Runtime.RunAsync(Pipeline("hello"));
        var log = new EventLog();
        var changed = await home.Runtime.RunAsync(Pipeline("bonjour"), new WorkflowRunOptions { Events = log });
        Assert.Equal(["w2"], log.Ended(ActivityOutcomeKind.Reused));
        Assert.Equal(["w1", "c"], log.Ended(ActivityOutcomeKind.Completed));
        Assert.StartsWith("bonjour 0", File.ReadAllText(Path.Combine(home.RunsDirectory, changed.InstanceId, "c", "concat.txt")));
    }

    [Fact]
    public async Task ADeletedArtifactIsNotReused()
    {
        using var home = new TestHome();
        var first = await home.Runtime.RunAsync(Pipeline());
        File.Delete(Path.Combine(home.RunsDirectory, first.InstanceId, "w2", "out.txt"));
        var log = new EventLog();
        await home.Runtime.RunAsync(Pipeline(), new WorkflowRunOptions { Events = log });
        Assert.Contains("w2", log.Ended(ActivityOutcomeKind.Completed));
        Assert.Contains("w1", log.Ended(ActivityOutcomeKind.Reused));
    }

    [Fact]
    public async Task StoreIsARealSqliteDatabaseInWalModeWithElsaLikeTables()
    {
        ExternalReference.RequireProgram("sqlite3", debianPackage: "sqlite3");
        using var home = new TestHome();
        var result = await home.Runtime.RunAsync(Pipeline());
        string Sql(string q) => ChildProcess.Run("sqlite3", [home.DatabasePath, q]).StdOut.Trim();
        Assert.Equal("wal", Sql("PRAGMA journal_mode;"));
        Assert.Equal("Finished", Sql($"SELECT Status FROM WorkflowInstances WHERE Id = '{result.InstanceId}';"));
        Assert.Equal("Completed|3", Sql($"SELECT Status, COUNT(*) FROM ActivityExecutionRecords WHERE WorkflowInstanceId = '{result.InstanceId}' GROUP BY Status;"));
        Assert.Contains("Started", Sql($"SELECT group_concat(EventName) FROM WorkflowExecutionLogRecords WHERE WorkflowInstanceId = '{result.InstanceId}';"));
        Assert.Equal(WorkflowStore.SchemaVersion.ToString(), Sql("PRAGMA user_version;"));
    }
}
