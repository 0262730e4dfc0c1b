using System.Text.Json.Nodes;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Resilience;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class ResilienceTests
{
    private static Action<Definitions.ActivityNode> Inline(string json) => n => n.CustomProperties["resilience"] = JsonNode.Parse(json);

    private static JsonArray Attempts(WorkflowRunResult r, string id) => JsonNode.Parse(r.Records.Single(x => x.ActivityId == id).AttemptsJson)!.AsArray();

    [Fact]
    public async Task TransientFailuresAreRetriedAndEveryAttemptIsRecorded()
    {
        using var home = new TestHome();
        var def = new TestWorkflow().Add("f", "SelfSpec.Test.Flaky", Inline("""{"maxRetries": 3, "baseDelayMs": 1}"""), ("failTimes", Lit(2))).Build();
        var log = new EventLog();
        var result = await home.Runtime.RunAsync(def, new WorkflowRunOptions { Events = log });
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        var attempts = Attempts(result, "f");
        Assert.Equal(3, attempts.Count);
        Assert.Equal("flaky failure 1", attempts[0]!["error"]!.GetValue<string>());
        Assert.Null(attempts[2]!["error"]);
        Assert.Equal(3, result.Records.Single().Attempts);
        Assert.Equal(2, log.Events.OfType<ActivityRetrying>().Count());
        Assert.Equal(2, home.Store.GetLog(result.InstanceId).Count(l => l.EventName == "Retrying"));
    }

    [Fact]
    public async Task RetriesRunOutAndTheInstanceFaults()
    {
        using var home = new TestHome();
        var def = new TestWorkflow().Add("f", "SelfSpec.Test.Flaky", Inline("""{"maxRetries": 2, "baseDelayMs": 1}"""), ("failTimes", Lit(10))).Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Equal(3, Attempts(result, "f").Count);
        Assert.Contains("flaky failure 3", result.Error);
    }

    [Fact]
    public async Task WithoutAStrategyThereIsOneAttempt()
    {
        using var home = new TestHome();
        var result = await home.Runtime.RunAsync(new TestWorkflow().Add("f", "SelfSpec.Test.Flaky", ("failTimes", Lit(1))).Build());
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Single(Attempts(result, "f"));
    }

    [Fact]
    public async Task NamedStrategyFromTheDefinitionIsResolvedInTheCatalog()
    {
        using var home = new TestHome();
        var catalog = new ResilienceCatalog().Set("quick", new ResilienceSettings { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) });
        var runtime = home.NewRuntime(home.Store, new WorkflowRuntimeOptions { RunsDirectory = home.RunsDirectory, Resilience = catalog });
        var def = new TestWorkflow().Add("f", "SelfSpec.Test.Flaky",
            n => n.CustomProperties["resilienceStrategy"] = JsonNode.Parse("""{"mode": "Identifier", "strategyId": "quick"}"""),
            ("failTimes", Lit(1))).Build();
        var result = await runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(2, Attempts(result, "f").Count);
    }

    [Fact]
    public async Task AnAttemptThatTimesOutIsRetried()
    {
        using var home = new TestHome();
        var def = new TestWorkflow().Add("w", "SelfSpec.Test.WaitForCancel", Inline("""{"maxRetries": 1, "baseDelayMs": 1, "timeoutSeconds": 0.2}""")).Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Equal(2, Attempts(result, "w").Count);
        Assert.Contains("timeout", result.Error);
    }

    [Fact]
    public async Task OutOfMemoryHalvesTheBatchUntilItFits()
    {
        using var home = new TestHome();
        var def = new TestWorkflow().Variable("Used")
            .Add("g", "SelfSpec.Test.GpuStep", Inline("""{"halveBatchOnResourceExhausted": true}"""), ("batchSize", Lit(64)), ("maxFeasible", Lit(10)))
            .Bind("g", "usedBatchSize", "Used").Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal([64, 32, 16, 8], Attempts(result, "g").Select(a => a!["batchSize"]!.GetValue<int>()));
        Assert.Contains("\"usedBatchSize\":8", result.Records.Single().OutputsJson);
    }

    [Fact]
    public async Task OutOfMemoryBelowTheMinimumBatchFaults()
    {
        using var home = new TestHome();
        var def = new TestWorkflow()
            .Add("g", "SelfSpec.Test.GpuStep", Inline("""{"halveBatchOnResourceExhausted": true, "minBatchSize": 16}"""), ("batchSize", Lit(64)), ("maxFeasible", Lit(10)))
            .Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Equal([64, 32, 16], Attempts(result, "g").Select(a => a!["batchSize"]!.GetValue<int>()));
        Assert.Contains("out of memory at batch 16", result.Error);
    }

    [Theory]
    [InlineData("invalid-data")]
    [InlineData("missing-file")]
    public async Task BadDataIsNotRetriedBecauseItWouldFailTheSameWayAgain(string kind)
    {
        using var home = new TestHome();
        var def = new TestWorkflow().Add("b", "SelfSpec.Test.BadInput", Inline("""{"maxRetries": 3, "baseDelayMs": 1}"""), ("kind", Lit(kind))).Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Single(Attempts(result, "b"));
        Assert.Equal(1, SelfSpec.Workflows.TestHost.BadInput.CallsOf(result.InstanceId, "b"));
    }

    [Fact]
    public async Task OutOfMemoryIsNotRetriedByTheTransientPolicy()
    {
        using var home = new TestHome();
        var def = new TestWorkflow()
            .Add("g", "SelfSpec.Test.GpuStep", Inline("""{"maxRetries": 3, "baseDelayMs": 1}"""), ("batchSize", Lit(64)), ("maxFeasible", Lit(10)))
            .Build();
        var result = await home.Runtime.RunAsync(def);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Single(Attempts(result, "g"));
    }
}

public class ResilienceConfigurationTests
{
    [Fact]
    public void ConfigurationFileOverridesBuiltInsAndSetsTheDefault()
    {
        var catalog = new ResilienceCatalog().Load(JsonNode.Parse("""{"gpu": {"minBatchSize": 4}, "default": {"maxRetries": 1}, "slow-io": {"maxRetries": 5, "timeoutSeconds": 30}}""")!.AsObject());
        Assert.True(catalog.Find("gpu")!.HalveBatchOnResourceExhausted); // built-in kept
        Assert.Equal(4, catalog.Find("gpu")!.MinBatchSize);
        Assert.Equal(1, catalog.Default.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), catalog.Find("slow-io")!.Timeout);
        Assert.Equal(1, catalog.Resolve(new JsonObject()).MaxRetries);
        Assert.Throws<InvalidOperationException>(() => catalog.Resolve(JsonNode.Parse("""{"resilienceStrategy": {"strategyId": "nope"}}""")!.AsObject()));
    }
}
