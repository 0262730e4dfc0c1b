namespace SelfSpec.Torch;

/// <summary>
/// The low-rank (LoRA) matrices of several adapters for a group of projections (the seven of a Llama layer), as
/// <see cref="Functional.AddLowRank"/> and <see cref="Functional.LlamaDecodeLayer"/> take them: for projection p and
/// adapter i, A [rank, in_p] and B [out_p, rank] (float32, contiguous, on the CPU) or none where adapter i does not adapt
/// projection p, and one scale per adapter. A row of a batch picks its adapter by index (−1: none), so one call applies
/// different adapters to different rows. This object only refers to the tensors: they must outlive its use, and changes
/// made to them in place (training) are seen by the next call.
/// </summary>
public sealed class LowRankAdapters
{
    private readonly Tensor?[] a;
    private readonly Tensor?[] b;
    private readonly double[] scales;

    /// <summary>Collects the matrices: <paramref name="matrices"/>[p, i] is adapter i's pair for projection p, or null.</summary>
    /// <param name="scales">Each adapter's scale (its update is scale·B·A·x).</param>
    /// <param name="matrices">[projections, adapters]; the second dimension must match <paramref name="scales"/>.</param>
    /// <exception cref="ArgumentException">The dimensions disagree or a scale is not finite.</exception>
    public LowRankAdapters(IReadOnlyList<double> scales, (Tensor A, Tensor B)?[,] matrices)
    {
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.GetLength(1) != scales.Count)
            throw new ArgumentException($"{matrices.GetLength(1)} adapters' matrices but {scales.Count} scales", nameof(matrices));
        if (scales.Any(s => !double.IsFinite(s))) throw new ArgumentException("every adapter's scale must be finite", nameof(scales));
        Projections = matrices.GetLength(0);
        Count = scales.Count;
        this.scales = scales.ToArray();
        a = new Tensor?[Projections * Count];
        b = new Tensor?[Projections * Count];
        for (var p = 0; p < Projections; p++)
            for (var i = 0; i < Count; i++)
                if (matrices[p, i] is { } pair)
                {
                    a[p * Count + i] = pair.A;
                    b[p * Count + i] = pair.B;
                }
    }

    /// <summary>Number of adapters.</summary>
    public int Count { get; }

    /// <summary>Number of projections.</summary>
    public int Projections { get; }

    /// <summary>Adapter <paramref name="adapter"/>'s scale.</summary>
    public double Scale(int adapter) => scales[adapter];

    /// <summary>Adapter <paramref name="adapter"/>'s matrices for <paramref name="projection"/>, or null where it does not adapt it.</summary>
    public (Tensor A, Tensor B)? this[int projection, int adapter] =>
        a[projection * Count + adapter] is { } av ? (av, b[projection * Count + adapter]!) : null;

    /// <summary>Every projection's A (projection-major, null where not adapted).</summary>
    internal IReadOnlyList<Tensor?> AllA => a;

    /// <summary>Every projection's B, in the order of <see cref="AllA"/>.</summary>
    internal IReadOnlyList<Tensor?> AllB => b;

    /// <summary>The scales.</summary>
    internal double[] Scales => scales;

    /// <summary>One projection's A matrices (one per adapter, null where not adapted).</summary>
    internal Tensor?[] ProjectionA(int projection) => a.AsSpan(projection * Count, Count).ToArray();

    /// <summary>One projection's B matrices, in the order of <see cref="ProjectionA"/>.</summary>
    internal Tensor?[] ProjectionB(int projection) => b.AsSpan(projection * Count, Count).ToArray();
}
