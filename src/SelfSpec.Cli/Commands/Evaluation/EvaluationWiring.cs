using SelfSpec.Evaluation.Harness;

namespace SelfSpec.Cli.Commands.Evaluation;

/// <summary>
/// The two engines the evaluation commands use: the NLTK-mode Porter stemmer (SelfSpec.Text) for the paper's stemmed
/// ROUGE-L, and a greedy completion model over SelfSpec.Llm (base model plus optional PEFT adapter).
/// </summary>
internal static class EvaluationWiring
{
    /// <summary>The Porter stemmer (NLTK_EXTENSIONS mode) used for the stemmed ROUGE-L.</summary>
    public static Func<string, string>? PorterStemmer => SelfSpec.Text.Stemming.NltkPorterStemmer.Instance.Stem;

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
