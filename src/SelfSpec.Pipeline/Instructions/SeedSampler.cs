using SelfSpec.Pipeline.Artifacts;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// Picks the demonstrations for each instruction-generation prompt: <see cref="PerPrompt"/> distinct seeds drawn
/// uniformly at random. Each prompt has its own generator derived from (seed, prompt id), so prompt <c>p</c> gets the
/// same demonstrations however many prompts ran before it (batching and resuming do not change the data).
/// </summary>
public sealed class SeedSampler
{
    private readonly IReadOnlyList<SeedRow> _seeds;
    private readonly int _randomSeed;

    /// <summary>Creates a sampler over <paramref name="seeds"/>.</summary>
    public SeedSampler(IReadOnlyList<SeedRow> seeds, int randomSeed, int perPrompt = 3)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (perPrompt < 1) throw new ArgumentOutOfRangeException(nameof(perPrompt), "at least one demonstration per prompt");
        if (seeds.Count < perPrompt) throw new ArgumentException($"{perPrompt} demonstrations per prompt need at least {perPrompt} seeds, got {seeds.Count}", nameof(seeds));
        _seeds = seeds;
        _randomSeed = randomSeed;
        PerPrompt = perPrompt;
    }

    /// <summary>Demonstrations per prompt (the paper: 3).</summary>
    public int PerPrompt { get; }

    /// <summary>The demonstrations of prompt <paramref name="promptId"/>, in prompt order.</summary>
    public IReadOnlyList<SeedRow> ForPrompt(long promptId)
    {
        var random = new Random(StableMix(_randomSeed, promptId));
        // Partial Fisher–Yates over the indices: the first PerPrompt slots are a uniform sample without replacement.
        var indices = Enumerable.Range(0, _seeds.Count).ToArray();
        for (var i = 0; i < PerPrompt; i++)
        {
            var j = random.Next(i, indices.Length);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices.Take(PerPrompt).Select(i => _seeds[i]).ToArray();
    }

    // SplitMix64 finaliser over (seed, prompt id): stable across processes and .NET versions, unlike HashCode.
    private static int StableMix(int seed, long promptId)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)promptId) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
