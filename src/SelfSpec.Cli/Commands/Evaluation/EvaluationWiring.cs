using SelfSpec.Evaluation.Harness;

namespace SelfSpec.Cli.Commands.Evaluation;

/// <summary>
/// The model the evaluation commands use: a greedy completion model over SelfSpec.Llm (base model plus optional PEFT adapter).
/// </summary>
internal static class EvaluationWiring
{
    /// <summary>A greedy completion model for <paramref name="modelDirectory"/> with an optional adapter.</summary>
    public static ICompletionModel CreateModel(string modelDirectory, string? adapterDirectory, int batchSize = 8)
    {
        if (!Directory.Exists(modelDirectory)) throw new EvaluationSetupException($"model directory {modelDirectory} does not exist");
        if (adapterDirectory != null && !Directory.Exists(adapterDirectory)) throw new EvaluationSetupException($"adapter directory {adapterDirectory} does not exist");
        return new LlmCompletionModel(modelDirectory, adapterDirectory, batchSize);
    }
}

/// <summary>The evaluation cannot start (missing model, seeds, engine); the message says what to do.</summary>
internal sealed class EvaluationSetupException(string message) : Exception(message);
