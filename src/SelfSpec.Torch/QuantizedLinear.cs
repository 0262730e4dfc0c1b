using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>
/// Linear layers whose weight is stored as 4-bit block-quantised codes (QLoRA's NF4 or any 16-entry code book):
/// two codes per byte with the even-index element in the high nibble, and one float absmax per block of
/// consecutive row-major elements. The weight is expanded to the input's dtype on the fly in the forward pass and
/// expanded again in the backward pass, so no dense copy is kept alive between them.
/// </summary>
public static class QuantizedLinear
{
    /// <summary>
    /// The [256, 2] float32 decoding table for a 16-entry code book: row b holds the values of byte b's high and low
    /// nibble. Pass it to <see cref="Forward"/> and <see cref="Dequantize"/>.
    /// </summary>
    public static Tensor PairTable(ReadOnlySpan<float> codeBook, Device? device = null)
    {
        if (codeBook.Length != 16) throw new ArgumentException($"a 4-bit code book has 16 entries, not {codeBook.Length}", nameof(codeBook));
        var table = new float[512];
        for (var b = 0; b < 256; b++)
        {
            table[2 * b] = codeBook[b >> 4];
            table[2 * b + 1] = codeBook[b & 15];
        }
        return Tensor.From<float>(table, [256, 2], device);
    }

    /// <summary>The dense [<paramref name="outFeatures"/>, <paramref name="inFeatures"/>] weight in <paramref name="dtype"/>.</summary>
    /// <param name="packed">uint8 codes, two per byte, ⌈out·in/2⌉ bytes.</param>
    /// <param name="absmax">float32 scale per block, ⌈out·in/block⌉ values.</param>
    /// <param name="pairTable">The table from <see cref="PairTable"/>.</param>
    /// <param name="outFeatures">Rows of the weight.</param>
    /// <param name="inFeatures">Columns of the weight.</param>
    /// <param name="blockSize">Elements per absmax block.</param>
    /// <param name="dtype">The dtype of the result.</param>
    public static Tensor Dequantize(Tensor packed, Tensor absmax, Tensor pairTable, long outFeatures, long inFeatures, long blockSize, DType dtype = DType.Float32) =>
        Tensor.Wrap(NativeMethods.st_dequantize_4bit(packed.Handle, absmax.Handle, pairTable.Handle, outFeatures, inFeatures, blockSize, (int)dtype));

    /// <summary>
    /// <c>input · Wᵀ + bias</c> with W expanded from its 4-bit codes in <paramref name="input"/>'s dtype. Differentiable
    /// with respect to <paramref name="input"/> only (the quantised weight is frozen); the backward pass re-expands W
    /// instead of keeping it.
    /// </summary>
    public static Tensor Forward(Tensor input, Tensor packed, Tensor absmax, Tensor pairTable, long outFeatures, long inFeatures, long blockSize, Tensor? bias = null)
    {
        using var b = new OptionalHandle(bias);
        return Tensor.Wrap(NativeMethods.st_linear_4bit(input.Handle, packed.Handle, absmax.Handle, pairTable.Handle, outFeatures, inFeatures, blockSize, b.Pointer));
    }
}
