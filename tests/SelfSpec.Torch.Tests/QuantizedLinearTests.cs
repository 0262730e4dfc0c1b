using SelfSpec.Torch;

namespace SelfSpec.Torch.Tests;

/// <summary>The 4-bit packed linear op against the same math done densely with ordinary tensor ops and autograd.</summary>
public sealed class QuantizedLinearTests
{
    [Fact]
    public void ForwardAndInputGradientEqualDenseLinearOverTheDecodedWeight()
    {
        const int outF = 6, inF = 10, block = 4; // 60 values: 15 blocks, odd packing boundary not needed
        var rng = new Random(3);
        var codeBook = Enumerable.Range(0, 16).Select(i => (float)(i - 7.5) / 8).ToArray();
        var indices = Enumerable.Range(0, outF * inF).Select(_ => (byte)rng.Next(16)).ToArray();
        var absmax = Enumerable.Range(0, outF * inF / block).Select(_ => (float)(0.5 + rng.NextDouble())).ToArray();
        var packed = new byte[indices.Length / 2];
        for (var i = 0; i < packed.Length; i++) packed[i] = (byte)(indices[2 * i] << 4 | indices[2 * i + 1]);
        var dense = indices.Select((c, i) => codeBook[c] * absmax[i / block]).ToArray();

        using var scope = DisposeScope.Begin();
        var packedT = Tensor.From<byte>(packed);
        var absmaxT = Tensor.From<float>(absmax);
        var table = QuantizedLinear.PairTable(codeBook);
        var decoded = QuantizedLinear.Dequantize(packedT, absmaxT, table, outF, inF, block);
        Assert.Equal(dense, decoded.ToArray<float>());

        var xData = Enumerable.Range(0, 3 * inF).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var x1 = Tensor.From<float>(xData, [3, inF]).RequiresGradInPlace();
        var x2 = Tensor.From<float>(xData, [3, inF]).RequiresGradInPlace();
        var bias = Tensor.From<float>(Enumerable.Range(0, outF).Select(i => (float)i).ToArray());
        var y1 = QuantizedLinear.Forward(x1, packedT, absmaxT, table, outF, inF, block, bias);
        var y2 = Functional.Linear(x2, Tensor.From<float>(dense, [outF, inF]), bias);
        Assert.True(y1.AllClose(y2, 1e-6, 1e-6));
        y1.Square().Sum().Backward();
        y2.Square().Sum().Backward();
        Assert.True(x1.Grad!.AllClose(x2.Grad!, 1e-5, 1e-6));
    }
}
