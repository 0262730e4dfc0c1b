using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;

namespace SelfSpec.Llm.Serving;

/// <summary>A sequence the engine is decoding: its sampler, its tokens so far, and the token to feed at the next step.</summary>
internal sealed class ActiveSequence : IDisposable
{
    public ActiveSequence(SequenceHandle handle, HashSet<int> stopIds)
    {
        Handle = handle;
        StopIds = stopIds;
        Sampler = new LogitsSampler(handle.Request.Sampling);
        History = new List<int>(handle.Request.PromptIds);
    }

    public SequenceHandle Handle { get; }
    public SequenceRequest Request => Handle.Request;
    public LoraAdapter? Adapter => Request.Adapter;
    public LogitsSampler Sampler { get; }
    public HashSet<int> StopIds { get; }

    /// <summary>Prompt and generated tokens.</summary>
    public List<int> History { get; }

    /// <summary>Generated tokens as reported.</summary>
    public List<GeneratedToken> Reported { get; } = [];

    /// <summary>Generated tokens.</summary>
    public List<int> Generated { get; } = [];

    /// <summary>The newest token, not yet in the KV cache: the next step's input.</summary>
    public int Pending { get; set; }

    /// <summary>Positions of this sequence held in its batch's KV cache (prompt and all generated tokens but <see cref="Pending"/>).</summary>
    public int Cached { get; set; }

    /// <summary>A one-row cache holding the prefilled prompt until the sequence joins a batch.</summary>
    public KvCache? PrefillCache { get; set; }

    public IReadOnlyList<GeneratedToken?>? PromptLogprobs { get; set; }

    /// <summary>Set when the sequence has ended.</summary>
    public SequenceResult? Result { get; set; }

    /// <summary>Whether its row was given back to admission (it ended; the batch may still hold it until its next rebuild).</summary>
    public bool SlotFreed { get; set; }

    public void Dispose()
    {
        Sampler.Dispose();
        PrefillCache?.Dispose();
        PrefillCache = null;
    }
}
