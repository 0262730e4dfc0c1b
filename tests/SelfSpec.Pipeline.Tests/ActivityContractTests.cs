using SelfSpec.Pipeline.Models;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.Torch;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The names the workflow files bind to (pipeline-contract) and the out-of-memory signal the runtime halves batches on.</summary>
public class ActivityContractTests
{
    [Theory]
    [InlineData("SelfSpec.GenerateInstructions", "model,adapter,seeds,domain,targetCount,maxPrompts,batchSize,demonstrationsPerPrompt,temperature,topP,maxNewTokens,randomSeed,similarityThreshold,contrastiveAlpha,amateurTemperature",
        "instructionsRaw,promptCount,parsedCount,shortfall", "BatchSize")]
    [InlineData("SelfSpec.FilterInstructions", "instructionsRaw,seeds,similarityThreshold,minWords,maxWords,maxInstructions", "instructions,rejected,keptCount,rejectedCount", null)]
    [InlineData("SelfSpec.GenerateResponses", "model,adapter,instructions,retrievals,mode,docTemperature,maxNewTokens,batchSize,greedy,temperature,topP,randomSeed,contrastiveAlpha,amateurTemperature",
        "sft,rowCount,meanTokenLogProb", "BatchSize")]
    public void TheContractsInputsAndOutputsExist(string type, string inputs, string outputs, string? batchProperty)
    {
        var descriptor = PipelineHost.Registry.Find(type);
        Assert.NotNull(descriptor);
        var inputNames = descriptor.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var outputNames = descriptor.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(inputs.Split(','), i => Assert.Contains(i, inputNames));
        Assert.All(outputs.Split(','), o => Assert.Contains(o, outputNames));
        Assert.Equal(batchProperty, descriptor.BatchSizeProperty?.Name);
    }

    [Fact]
    public async Task LibtorchOutOfMemoryBecomesResourceExhaustedWithTheBatchSize()
    {
        var e = await Assert.ThrowsAsync<ResourceExhaustedException>(() =>
            LoadedModel.OnDeviceAsync<int>(16, () => throw new TorchOutOfMemoryException("CUDA out of memory. Tried to allocate 2.00 GiB")));
        Assert.Equal(16, e.BatchSize);
        Assert.IsType<TorchOutOfMemoryException>(e.InnerException);
        Assert.Contains("batch size 16", e.Message);
        var sync = Assert.Throws<ResourceExhaustedException>(() => LoadedModel.OnDevice<int>(4, () => throw new TorchOutOfMemoryException("out of memory")));
        Assert.Equal(4, sync.BatchSize);
    }
}
