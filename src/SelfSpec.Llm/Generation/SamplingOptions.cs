namespace SelfSpec.Llm.Generation;

/// <summary>
/// How the next token is chosen from the logits, in Hugging Face's order: repetition penalty, temperature, top-k,
/// top-p, then argmax (greedy) or a draw from the remaining distribution.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding (the default): take the most likely token; temperature, top-k and top-p are ignored.</summary>
    public static SamplingOptions GreedyDecoding { get; } = new();

    /// <summary>Take the argmax instead of sampling.</summary>
    public bool Greedy { get; init; } = true;

    /// <summary>Divides the logits (sampling only); must be &gt; 0.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: keep the smallest set of most likely tokens whose probability reaches this (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>CTRL-style penalty for tokens already in the prompt or output (1 = off): positive logits are divided by it, negative ones multiplied.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Seed for the sampler; the same seed, prompt and options give the same tokens. Null draws a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Sampling with the given temperature and top-p.</summary>
    public static SamplingOptions Sample(double temperature = 1.0, double topP = 1.0, ulong? seed = null, int topK = 0) =>
        new() { Greedy = false, Temperature = temperature, TopP = topP, Seed = seed, TopK = topK };

    /// <summary>Throws if a value is out of range.</summary>
    public void Validate()
    {
        if (!(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be > 0");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1]");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must be >= 0");
        if (!(RepetitionPenalty > 0)) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "repetition penalty must be > 0");
    }
}
