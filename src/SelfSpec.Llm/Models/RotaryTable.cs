using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>
/// cos and sin of the rotary angles <c>position · inverse_frequency</c> (the angle in float32, as Hugging Face computes
/// it) for positions 0 … n − 1, computed once per position and looked up by index. A row's tables are then copies of the
/// same numbers whatever the batch: libtorch's vectorised cos takes a scalar path for the elements after its last whole
/// vector (and after each thread's share), so computing them over a batch's position tensor gives bits that depend on
/// where in that tensor a position lies. Grows on demand; thread-safe.
/// </summary>
internal sealed class RotaryTable : IDisposable
{
    private readonly float[] inverseFrequencies;
    private readonly DType dtype;
    private readonly Device device;
    private readonly Lock growing = new();
    private Tensor? cos;
    private Tensor? sin;
    private int positions;

    public RotaryTable(float[] inverseFrequencies, DType dtype, Device device)
    {
        this.inverseFrequencies = inverseFrequencies;
        this.dtype = dtype;
        this.device = device;
    }

    /// <summary>cos and sin for <paramref name="positionIds"/> [B, T] (int64, ≥ 0): [B, T, 1, head_dim] in the model's dtype.</summary>
    public (Tensor Cos, Tensor Sin) Lookup(Tensor positionIds)
    {
        var batch = positionIds.Size(0);
        var t = positionIds.Size(1);
        var dim = inverseFrequencies.Length * 2;
        var needed = checked((int)positionIds.Max().ItemLong() + 1);
        using var flat = positionIds.Reshape(-1);
        lock (growing)
        {
            if (needed > positions) Grow(Math.Max(needed, Math.Max(2 * positions, 256)));
            return (cos!.IndexSelect(0, flat).View(batch, t, 1, dim), sin!.IndexSelect(0, flat).View(batch, t, 1, dim));
        }
    }

    private void Grow(int count)
    {
        var half = inverseFrequencies.Length;
        var c = new float[count * 2 * half];
        var s = new float[count * 2 * half];
        for (var p = 0; p < count; p++)
            for (var i = 0; i < half; i++)
            {
                var angle = (float)p * inverseFrequencies[i];
                c[p * 2 * half + i] = c[p * 2 * half + half + i] = (float)Math.Cos(angle);
                s[p * 2 * half + i] = s[p * 2 * half + half + i] = (float)Math.Sin(angle);
            }
        using var scope = DisposeScope.Begin();
        var newCos = Tensor.From<float>(c, [count, 2 * half]).To(dtype, device).DetachFromScope();
        var newSin = Tensor.From<float>(s, [count, 2 * half]).To(dtype, device).DetachFromScope();
        cos?.Dispose();
        sin?.Dispose();
        (cos, sin, positions) = (newCos, newSin, count);
    }

    public void Dispose()
    {
        cos?.Dispose();
        sin?.Dispose();
    }
}
