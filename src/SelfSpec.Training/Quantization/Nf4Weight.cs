using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Training.Quantization;

/// <summary>
/// A frozen linear weight stored as NF4: packed 4-bit codes (even element in the high nibble), one absmax per block
/// of 64, and optionally the absmax values themselves double-quantised to 8 bits (blocks of 256, plus their mean).
/// Expanded to the compute dtype on the fly in the forward and backward pass (<see cref="QuantizedLinear"/>).
/// </summary>
public sealed class Nf4Weight : IPackedLinearWeight
{
    private readonly Tensor packed;
    private readonly Tensor? absmax;
    private readonly Tensor? absmaxCodes;
    private readonly Tensor? absmaxScales;
    private readonly float absmaxOffset;
    private readonly Tensor pairTable;

    private Nf4Weight(long outFeatures, long inFeatures, int blockSize, Tensor packed, Tensor? absmax, Tensor? absmaxCodes, Tensor? absmaxScales, float absmaxOffset, Tensor pairTable)
    {
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        BlockSize = blockSize;
        this.packed = packed;
        this.absmax = absmax;
        this.absmaxCodes = absmaxCodes;
        this.absmaxScales = absmaxScales;
        this.absmaxOffset = absmaxOffset;
        this.pairTable = pairTable;
    }

    /// <inheritdoc />
    public long OutFeatures { get; }

    /// <inheritdoc />
    public long InFeatures { get; }

    /// <summary>Elements per absmax block.</summary>
    public int BlockSize { get; }

    /// <summary>Whether the absmax values are themselves quantised to 8 bits.</summary>
    public bool DoubleQuantized => absmaxCodes != null;

    /// <summary>The packed codes (uint8, two per byte).</summary>
    public Tensor Packed => packed;

    /// <inheritdoc />
    public long StorageBytes =>
        packed.NumElements + (absmax?.NumElements * 4 ?? 0) + (absmaxCodes?.NumElements ?? 0) + (absmaxScales?.NumElements * 4 ?? 0) + 4;

    /// <summary>Quantises a dense [out, in] weight (any float dtype, any device; the result lives on the same device).</summary>
    public static Nf4Weight Quantize(Tensor weight, bool doubleQuantize = false, int blockSize = Nf4.DefaultBlockSize)
    {
        if (weight.Dim != 2) throw new ArgumentException($"expected a 2-d weight, got {weight}", nameof(weight));
        var device = weight.Device;
        var values = weight.ToArray<float>();
        var indices = new byte[values.Length];
        var blocks = (values.Length + blockSize - 1) / blockSize;
        var scales = new float[blocks];
        Nf4.Quantize(values, indices, scales, blockSize);
        var packedBytes = Nf4.Pack(indices);
        using var scope = DisposeScope.Begin();
        var packedT = scope.Detach(Tensor.From<byte>(packedBytes).To(device));
        var table = scope.Detach(QuantizedLinear.PairTable(Nf4.Codes, device));
        if (!doubleQuantize)
            return new Nf4Weight(weight.Size(0), weight.Size(1), blockSize, packedT, scope.Detach(Tensor.From<float>(scales).To(device)), null, null, 0, table);

        var offset = (float)scales.Select(s => (double)s).Average();
        var centred = scales.Select(s => s - offset).ToArray();
        var codes = new byte[centred.Length];
        var scales2 = new float[(centred.Length + DynamicMap.DefaultBlockSize - 1) / DynamicMap.DefaultBlockSize];
        DynamicMap.Quantize(centred, codes, scales2);
        return new Nf4Weight(weight.Size(0), weight.Size(1), blockSize, packedT, null,
            scope.Detach(Tensor.From<byte>(codes).To(device)), scope.Detach(Tensor.From<float>(scales2).To(device)), offset, table);
    }

    /// <summary>The per-block absmax values (float32), dequantised when double quantisation is on.</summary>
    public Tensor Absmax()
    {
        if (absmax != null) return absmax.Alias();
        using var scope = DisposeScope.Begin();
        var map = Tensor.From<float>(DynamicMap.Codes.ToArray()).To(absmaxCodes!.Device);
        var n = absmaxCodes.NumElements;
        var perValueScale = absmaxScales!.RepeatInterleave(DynamicMap.DefaultBlockSize, 0).Narrow(0, 0, n);
        var values = map.IndexSelect(0, absmaxCodes.To(DType.Int64)).Mul(perValueScale).Add(absmaxOffset);
        return scope.MoveToOuter(values);
    }

    /// <inheritdoc />
    public Tensor Linear(Tensor x, Tensor? bias)
    {
        using var scale = Absmax();
        return QuantizedLinear.Forward(x, packed, scale, pairTable, OutFeatures, InFeatures, BlockSize, bias);
    }

    /// <inheritdoc />
    public Tensor Dequantize(DType dtype)
    {
        using var scale = Absmax();
        return QuantizedLinear.Dequantize(packed, scale, pairTable, OutFeatures, InFeatures, BlockSize, dtype);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        packed.Dispose();
        absmax?.Dispose();
        absmaxCodes?.Dispose();
        absmaxScales?.Dispose();
        pairTable.Dispose();
    }
}
