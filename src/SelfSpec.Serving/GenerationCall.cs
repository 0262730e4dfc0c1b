using System.Threading.Channels;
using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary>
/// The sequences of one HTTP request (each prompt × <c>n</c> choices) submitted to the engine together: waits for them,
/// or merges their tokens into one stream of events in arrival order. Disposing it cancels whatever still runs (a
/// disconnected client) and returns the adapter lease once every sequence has left the engine.
/// </summary>
internal sealed class GenerationCall : IDisposable
{
    private readonly SequenceHandle[] handles;

    private GenerationCall(SequenceHandle[] handles, IReadOnlyList<IReadOnlyList<int>> prompts, int n)
    {
        this.handles = handles;
        Prompts = prompts;
        N = n;
    }

    /// <summary>The prompts' token ids.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Prompts { get; }

    /// <summary>Choices per prompt.</summary>
    public int N { get; }

    /// <summary>One handle per choice, choice index = prompt × n + j.</summary>
    public IReadOnlyList<SequenceHandle> Handles => handles;

    /// <summary>The prompt of choice <paramref name="choice"/>.</summary>
    public IReadOnlyList<int> PromptOf(int choice) => Prompts[choice / N];

    /// <summary>Submits every choice; 429 when the queue is full, 503 when the engine is stopping (nothing stays queued then).</summary>
    public static GenerationCall Start(ServingEngine engine, ServedAdapter? adapter, IReadOnlyList<IReadOnlyList<int>> prompts, int n,
        Func<int, IReadOnlyList<int>, SequenceRequest> request)
    {
        var submitted = new List<SequenceHandle>();
        try
        {
            var requests = new List<SequenceRequest>();
            for (var p = 0; p < prompts.Count; p++)
                for (var j = 0; j < n; j++)
                    requests.Add(request(p * n + j, prompts[p]));
            submitted.AddRange(engine.SubmitAll(requests)); // admitted together: one prefill pass for the lot
        }
        catch (Exception e)
        {
            foreach (var h in submitted) h.Cancel();
            ReleaseWhenDone(submitted, adapter);
            throw e switch
            {
                ServingQueueFullException => new OpenAiError(429, e.Message),
                ServingStoppedException => new OpenAiError(503, e.Message),
                ArgumentException a => new OpenAiError(400, a.Message, "prompt"),
                _ => e,
            };
        }
        ReleaseWhenDone(submitted, adapter);
        return new GenerationCall(submitted.ToArray(), prompts, n);
    }

    private static void ReleaseWhenDone(IReadOnlyList<SequenceHandle> handles, ServedAdapter? adapter)
    {
        if (adapter is null) return;
        Task.WhenAll(handles.Select(h => h.Completion)).ContinueWith(_ => adapter.Release(), TaskScheduler.Default);
    }

    /// <summary>Every choice's outcome; cancelling <paramref name="ct"/> (client gone) cancels the sequences.</summary>
    public async Task<SequenceResult[]> WaitAllAsync(CancellationToken ct)
    {
        using var registration = ct.Register(Dispose);
        return await Task.WhenAll(handles.Select(h => h.Completion));
    }

    /// <summary>Tokens and endings of every choice as they happen.</summary>
    public async IAsyncEnumerable<CallEvent> EventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var registration = ct.Register(Dispose);
        var merged = Channel.CreateUnbounded<CallEvent>();
        var pumps = handles.Select((h, i) => Task.Run(async () =>
        {
            await foreach (var token in h.Tokens.ReadAllAsync(CancellationToken.None)) merged.Writer.TryWrite(new CallEvent(i, token, null));
            merged.Writer.TryWrite(new CallEvent(i, null, await h.Completion));
        })).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var e in merged.Reader.ReadAllAsync(ct)) yield return e;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var h in handles) h.Cancel();
    }
}

/// <summary>A token of a choice, or its end.</summary>
/// <param name="Choice">The choice index.</param>
/// <param name="Token">The token, when this is one.</param>
/// <param name="End">The outcome, when the choice ended.</param>
internal sealed record CallEvent(int Choice, GeneratedToken? Token, SequenceResult? End);
