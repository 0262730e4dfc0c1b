using SelfSpec.Endpoints;
using SelfSpec.Evaluation.Harness;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// The evaluation harness's <see cref="ICompletionModel"/> over the endpoints: greedy continuations
/// (<c>temperature: 0</c>) of the served model <c>model</c> (the base, or an adapter by its registered name), sent
/// concurrently and spread by the pool. Each finished continuation is journaled under its model and prompt, so a resumed
/// evaluation does not ask again.
/// </summary>
public sealed class RemoteCompletionModel(RemoteModel remote, string model, RowJournal<string>? journal = null) : ICompletionModel
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken cancellationToken) =>
        await Task.WhenAll(prompts.Select(async prompt =>
        {
            var key = model + ":" + maxNewTokens + ":" + JournalCompletion.Hash(prompt);
            if (journal is not null && journal.TryGet(key, out var done)) return done;
            var completion = await remote.Pool.SendAsync((endpoint, t) => endpoint.CompleteAsync(new CompletionRequest
            {
                Model = model,
                Prompt = prompt,
                MaxTokens = maxNewTokens,
                Temperature = 0,
            }, t), cancellationToken).ConfigureAwait(false);
            journal?.Append(key, completion.Text);
            return completion.Text;
        })).ConfigureAwait(false);
}
