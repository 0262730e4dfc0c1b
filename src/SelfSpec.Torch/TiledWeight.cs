using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>
/// A linear weight [out, in] copied into tiles of 16 output features, [⌈out/16⌉, in, 16] (rows past <c>out</c> are
/// zero), for <see cref="Functional.TiledLinear"/> and <see cref="Functional.LlamaDecodeLayer"/>. In this layout the
/// kernel multiplies each 16-weight vector by one broadcast input element and needs no horizontal sums, and each tile is
/// read as one sequential stream: about twice the throughput of the row-major
/// <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/> for the few rows of decoding, and above OpenBLAS's sgemm
/// for the many of prefill, on the machines measured (bench/results/llm.md). The copy costs the weight's size once more
/// in memory, unless the original's pages are handed back (<see cref="ResidentMemory.PageOut"/>).
/// </summary>
public sealed class TiledWeight : IDisposable
{
    private TiledWeight(Tensor tiles, long outFeatures, long inFeatures)
    {
        Tiles = tiles;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>The tiled copy, [⌈out/16⌉, in, 16], float32 or bfloat16.</summary>
    public Tensor Tiles { get; }

    /// <summary>Rows of the original weight.</summary>
    public long OutFeatures { get; }

    /// <summary>Columns of the original weight.</summary>
    public long InFeatures { get; }

    /// <summary>The storage dtype (that of the original weight).</summary>
    public DType DType => Tiles.DType;

    /// <summary>Tiles <paramref name="weight"/> ([out, in], float32 or bfloat16, on the CPU); the result owns a new copy.</summary>
    /// <exception cref="TorchException">The weight is not a 2-d float32 or bfloat16 CPU tensor.</exception>
    public static TiledWeight From(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var tiles = Tensor.Wrap(NativeMethods.st_tile_weight(weight.Handle)).DetachFromScope();
        return new TiledWeight(tiles, weight.Size(0), weight.Size(1));
    }

    /// <inheritdoc />
    public void Dispose() => Tiles.Dispose();
}
