namespace SelfSpec.Llm.Models;

/// <summary>The kinds of rotary-embedding frequency scaling supported.</summary>
public enum RopeScalingKind
{
    /// <summary>Plain RoPE.</summary>
    None,
    /// <summary>Positions divided by the factor.</summary>
    Linear,
    /// <summary>Llama 3.1's wavelength-dependent interpolation.</summary>
    Llama3,
}

/// <summary>RoPE settings from <c>config.json</c> (<c>rope_theta</c> + <c>rope_scaling</c>, or the nested <c>rope_parameters</c>).</summary>
/// <param name="Theta">The base θ.</param>
/// <param name="Kind">The scaling kind.</param>
/// <param name="Factor">The scaling factor (1 for none).</param>
/// <param name="LowFrequencyFactor">llama3: <c>low_freq_factor</c>.</param>
/// <param name="HighFrequencyFactor">llama3: <c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositions">llama3: <c>original_max_position_embeddings</c>.</param>
public sealed record RopeScaling(double Theta, RopeScalingKind Kind = RopeScalingKind.None, double Factor = 1,
    double LowFrequencyFactor = 1, double HighFrequencyFactor = 4, int OriginalMaxPositions = 8192)
{
    /// <summary>
    /// The inverse frequencies θ^(−2i/d) for i &lt; d/2, with the scaling applied (linear scaling is folded in
    /// as inv_freq / factor, which equals dividing the positions).
    /// </summary>
    public double[] InverseFrequencies(int headDim)
    {
        var half = headDim / 2;
        var inv = new double[half];
        for (var i = 0; i < half; i++)
        {
            inv[i] = 1.0 / Math.Pow(Theta, 2.0 * i / headDim);
        }
        switch (Kind)
        {
            case RopeScalingKind.Linear:
                for (var i = 0; i < half; i++) inv[i] /= Factor;
                break;
            case RopeScalingKind.Llama3:
                var lowWavelen = OriginalMaxPositions / LowFrequencyFactor;
                var highWavelen = OriginalMaxPositions / HighFrequencyFactor;
                for (var i = 0; i < half; i++)
                {
                    var wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) inv[i] /= Factor;
                    else if (wavelen >= highWavelen)
                    {
                        var smooth = (OriginalMaxPositions / wavelen - LowFrequencyFactor) / (HighFrequencyFactor - LowFrequencyFactor);
                        inv[i] = (1 - smooth) * inv[i] / Factor + smooth * inv[i];
                    }
                }
                break;
        }
        return inv;
    }
}
