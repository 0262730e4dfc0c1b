using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary><c>SelfSpec.Iterate</c>: checks the previous adapter against the base before iteration 2 generates anything.</summary>
public class IterateTests
{
    private static readonly string Model = Paths.Fixture("llama", "tiny-llama");
    private static readonly string Adapter = Paths.Fixture("llama", "tiny-lora");

    private static Task<Workflows.Execution.WorkflowRunResult> Run(PipelineHost host, string model, string adapter, int seed = 42) => host.RunChainAsync(
        ("iterate", "SelfSpec.Iterate",
            [("model", Lit(model, "String")), ("adapter", Lit(adapter, "String")), ("randomSeed", Lit(seed, "Int32")), ("contrastiveAlpha", Lit(0.2, "Double"))],
            ["expertAdapter", "iterationSeed", "iterationContrastiveAlpha", "record"]));

    [Fact]
    public async Task HandsTheAdapterAndAFreshSeedToTheIterationAndRecordsTheDecision()
    {
        using var host = new PipelineHost();
        var result = await Run(host, Model, Adapter, seed: 7);
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        var outputs = Outputs(result, "iterate");
        Assert.Equal(Adapter, outputs["expertAdapter"]!.ToString());
        Assert.Equal(1007, outputs["iterationSeed"]!.GetValue<int>());
        Assert.Equal(0.2, outputs["iterationContrastiveAlpha"]!.GetValue<double>());
        var record = JsonNode.Parse(File.ReadAllText(ArtifactPath(result, "iterate", "record")))!;
        Assert.Equal(2, record["iteration"]!.GetValue<int>());
        Assert.Equal(Path.GetFullPath(Model), record["base_model"]!.ToString());
        Assert.Equal(64, record["expert"]!["adapter_sha256"]!.ToString().Length);
    }

    [Fact]
    public async Task AnAdapterOfAnotherModelFailsBeforeAnythingIsGeneratedNamingTheTensor()
    {
        using var host = new PipelineHost();
        // The same adapter against a base whose hidden size differs: the matrices have the wrong shapes.
        var other = host.Dir.Combine("other-model");
        Directory.CreateDirectory(other);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Model, "config.json")))!.AsObject();
        config["hidden_size"] = config["hidden_size"]!.GetValue<int>() * 2;
        File.WriteAllText(Path.Combine(other, "config.json"), config.ToJsonString());
        var result = await Run(host, other, Adapter);
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var error = string.Join("\n", result.Records.Select(r => r.Error)) + result.Error;
        Assert.Contains("adapter_model.safetensors", error);
        Assert.Contains("base_model.model.model.layers.", error);
        Assert.Contains("has shape", error);

        var notAnAdapter = await Run(host, Model, host.Dir.Combine("missing"));
        Assert.Contains("is not an adapter folder", string.Join("\n", notAnAdapter.Records.Select(r => r.Error)) + notAnAdapter.Error);
    }
}
