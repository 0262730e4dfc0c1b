using SelfSpec.Evaluation.Harness;

namespace SelfSpec.Cli.Commands.Evaluation;

/// <summary>
/// The two engine hooks the evaluation commands need from capabilities built on other branches: the NLTK-mode Porter
/// stemmer (SelfSpec.Text) for the paper's stemmed ROUGE-L, and a greedy completion model (SelfSpec.Llm, base model
/// plus optional PEFT adapter). Wiring them is a line each: <c>SelfSpec.Text.Stemming.NltkPorterStemmer.Instance.Stem</c>
/// and an <see cref="ICompletionModel"/> adapter over the generation engine.
/// </summary>
internal static class EvaluationWiring
{
    /// <summary>The Porter stemmer (NLTK_EXTENSIONS mode) used for the stemmed ROUGE-L.</summary>
    public static Func<string, string>? PorterStemmer => SelfSpec.Text.Stemming.NltkPorterStemmer.Instance.Stem;

    /// <summary>A greedy completion model for <paramref name="modelDirectory"/> with an optional adapter.</summary>
    public static ICompletionModel CreateModel(string modelDirectory, string? adapterDirectory) =>
        throw new EvaluationSetupException(
            $"cannot load {modelDirectory}: the generation engine (SelfSpec.Llm) is not wired into this build yet; " +
            "use `selfspec evaluate report` to render existing results");
}

/// <summary>The evaluation cannot start (missing model, seeds, engine); the message says what to do.</summary>
internal sealed class EvaluationSetupException(string message) : Exception(message);
