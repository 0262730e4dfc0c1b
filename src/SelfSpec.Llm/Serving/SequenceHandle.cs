using System.Threading.Channels;

namespace SelfSpec.Llm.Serving;

/// <summary>
/// A submitted sequence: its tokens as they are generated (<see cref="Tokens"/>) and its outcome (<see cref="Completion"/>).
/// Disposing it (or <see cref="Cancel"/>) frees its row at the next step.
/// </summary>
public sealed class SequenceHandle : IDisposable
{
    private readonly Channel<GeneratedToken> tokens = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<SequenceResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource cancel = new();
    private readonly Action wake;

    internal SequenceHandle(long id, SequenceRequest request, Action wake)
    {
        Id = id;
        Request = request;
        this.wake = wake;
    }

    /// <summary>The engine's number for this sequence.</summary>
    public long Id { get; }

    /// <summary>What was asked.</summary>
    public SequenceRequest Request { get; }

    /// <summary>The generated tokens, in order; completes when the sequence ends (with the engine's exception if it failed).</summary>
    public ChannelReader<GeneratedToken> Tokens => tokens.Reader;

    /// <summary>The outcome; faults with the engine's exception when the sequence could not be computed.</summary>
    public Task<SequenceResult> Completion => completion.Task;

    /// <summary>Whether the caller gave up on it.</summary>
    public bool IsCancelled => cancel.IsCancellationRequested;

    /// <summary>Stops the sequence: its row leaves the batch at the next step and it completes as <see cref="SequenceFinish.Aborted"/>.</summary>
    public void Cancel()
    {
        if (cancel.IsCancellationRequested) return;
        try { cancel.Cancel(); } catch (ObjectDisposedException) { return; }
        wake();
    }

    internal void Emit(GeneratedToken token) => tokens.Writer.TryWrite(token);

    internal void Finish(SequenceResult result)
    {
        tokens.Writer.TryComplete();
        completion.TrySetResult(result);
    }

    internal void Fail(Exception error)
    {
        tokens.Writer.TryComplete(error);
        completion.TrySetException(error);
    }

    /// <inheritdoc />
    public void Dispose() => Cancel();
}
