namespace SelfSpec.Evaluation.Harness;

/// <summary>
/// A text generator the harness evaluates: greedy continuation of each prompt, at most <c>maxNewTokens</c> new tokens,
/// the continuation only (without the prompt). The LLM engine (base model, or base + adapter) implements it.
/// </summary>
public interface ICompletionModel
{
    /// <summary>Greedy continuations of <paramref name="prompts"/>, one per prompt, in order.</summary>
    Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken cancellationToken);
}
