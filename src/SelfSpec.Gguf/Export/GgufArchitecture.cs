using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Models;

namespace SelfSpec.Gguf.Export;

/// <summary>
/// How a Hugging Face Llama-family model maps onto a llama.cpp architecture: the architecture name, the GGUF tensor
/// names, the rotary row permutation, and the hyper-parameter metadata.
/// </summary>
public sealed class GgufArchitecture
{
    private GgufArchitecture(LlamaConfig config, string name)
    {
        Config = config;
        Name = name;
    }

    /// <summary>The model configuration.</summary>
    public LlamaConfig Config { get; }

    /// <summary><c>general.architecture</c>: <c>llama</c> for Llama and Mistral, <c>qwen2</c> for Qwen2.</summary>
    public string Name { get; }

    /// <summary>
    /// llama.cpp's <c>llama</c> architecture applies RoPE to interleaved pairs (x0,x1),(x2,x3)…; Hugging Face Llama
    /// rotates halves (x_i, x_{i+d/2}). Reordering each head's q/k output rows turns one into the other. Qwen2 runs with
    /// NeoX (half-rotation) RoPE in llama.cpp, so its rows stay as they are.
    /// </summary>
    public bool PermutesQueryKeyRows => Name == "llama";

    /// <summary>The mapping for a model configuration.</summary>
    /// <exception cref="GgufExportException">The model type has no llama.cpp mapping here.</exception>
    public static GgufArchitecture For(LlamaConfig config, string configFile) => config.ModelType switch
    {
        "llama" or "mistral" => new GgufArchitecture(config, "llama"),
        "qwen2" => new GgufArchitecture(config, "qwen2"),
        _ => throw new GgufExportException($"{configFile}: model_type '{config.ModelType}' has no GGUF mapping (supported: llama, mistral, qwen2)"),
    };

    /// <summary>The GGUF name of a Hugging Face tensor, or null if it is not exported (rotary inv_freq buffers).</summary>
    public static string? TensorName(string hfName)
    {
        switch (hfName)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        if (hfName.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) return null;
        var parts = hfName.Split('.');
        // model.layers.N.<block>.<module>.<weight|bias> or model.layers.N.<norm>.weight
        if (parts.Length < 5 || parts[0] != "model" || parts[1] != "layers" || !int.TryParse(parts[2], out var layer)) return null;
        var suffix = parts[^1];
        var module = string.Join('.', parts[3..^1]);
        var gguf = module switch
        {
            "input_layernorm" => "attn_norm",
            "post_attention_layernorm" => "ffn_norm",
            "self_attn.q_proj" => "attn_q",
            "self_attn.k_proj" => "attn_k",
            "self_attn.v_proj" => "attn_v",
            "self_attn.o_proj" => "attn_output",
            "mlp.gate_proj" => "ffn_gate",
            "mlp.up_proj" => "ffn_up",
            "mlp.down_proj" => "ffn_down",
            _ => null,
        };
        return gguf == null ? null : $"blk.{layer}.{gguf}.{suffix}";
    }

    /// <summary>The number of rotary heads whose rows a tensor's output dimension holds (0 when not a q/k tensor).</summary>
    public int RotaryHeads(string hfName) => !PermutesQueryKeyRows ? 0
        : hfName.Contains(".self_attn.q_proj.", StringComparison.Ordinal) ? Config.NumHeads
        : hfName.Contains(".self_attn.k_proj.", StringComparison.Ordinal) ? Config.NumKeyValueHeads
        : 0;

    /// <summary>
    /// Reorders the rows of a [heads·headDim, columns] matrix (or a bias, columns = 1) from half-rotation to
    /// interleaved order: within each head, row (half h, index i) moves to 2i + h.
    /// </summary>
    public static float[] PermuteRotaryRows(float[] values, int heads, long columns)
    {
        var rows = values.LongLength / columns;
        var headDim = rows / heads;
        var half = headDim / 2;
        var result = new float[values.LongLength];
        for (long head = 0; head < heads; head++)
            for (long h = 0; h < 2; h++)
                for (long i = 0; i < half; i++)
                {
                    var from = (head * headDim + h * half + i) * columns;
                    var to = (head * headDim + 2 * i + h) * columns;
                    Array.Copy(values, from, result, to, columns);
                }
        return result;
    }

    /// <summary>The architecture metadata (<c>general.*</c> and <c>&lt;arch&gt;.*</c>) of a model file.</summary>
    public List<KeyValuePair<string, GgufValue>> ModelMetadata(string modelName, GgufOutputType type)
    {
        var c = Config;
        var m = new List<KeyValuePair<string, GgufValue>>
        {
            new("general.architecture", GgufValue.Of(Name)),
            new("general.type", GgufValue.Of("model")),
            new("general.name", GgufValue.Of(modelName)),
            new("general.file_type", GgufValue.Of(type.FileType())),
            new("general.quantization_version", GgufValue.Of(2u)),
            new($"{Name}.vocab_size", GgufValue.Of((uint)c.VocabSize)),
            new($"{Name}.context_length", GgufValue.Of((uint)c.MaxPositions)),
            new($"{Name}.embedding_length", GgufValue.Of((uint)c.HiddenSize)),
            new($"{Name}.block_count", GgufValue.Of((uint)c.NumLayers)),
            new($"{Name}.feed_forward_length", GgufValue.Of((uint)c.IntermediateSize)),
            new($"{Name}.attention.head_count", GgufValue.Of((uint)c.NumHeads)),
            new($"{Name}.attention.head_count_kv", GgufValue.Of((uint)c.NumKeyValueHeads)),
            new($"{Name}.attention.key_length", GgufValue.Of((uint)c.HeadDim)),
            new($"{Name}.attention.value_length", GgufValue.Of((uint)c.HeadDim)),
            new($"{Name}.attention.layer_norm_rms_epsilon", GgufValue.Of((float)c.RmsNormEps)),
            new($"{Name}.rope.freq_base", GgufValue.Of((float)c.Rope.Theta)),
            new($"{Name}.rope.dimension_count", GgufValue.Of((uint)c.HeadDim)),
        };
        if (c.Rope.Kind == RopeScalingKind.Linear)
        {
            m.Add(new($"{Name}.rope.scaling.type", GgufValue.Of("linear")));
            m.Add(new($"{Name}.rope.scaling.factor", GgufValue.Of((float)c.Rope.Factor)));
        }
        return m;
    }

    /// <summary>
    /// Llama 3.1's frequency scaling as llama.cpp takes it: a <c>rope_freqs.weight</c> tensor of one divisor per
    /// rotary frequency (null for other scalings).
    /// </summary>
    public float[]? RopeFrequencyFactors()
    {
        var rope = Config.Rope;
        if (rope.Kind != RopeScalingKind.Llama3) return null;
        var half = Config.HeadDim / 2;
        var factors = new float[half];
        var lowWavelength = rope.OriginalMaxPositions / rope.LowFrequencyFactor;
        var highWavelength = rope.OriginalMaxPositions / rope.HighFrequencyFactor;
        for (var i = 0; i < half; i++)
        {
            var frequency = 1.0 / Math.Pow(rope.Theta, 2.0 * i / Config.HeadDim);
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength) factors[i] = 1;
            else if (wavelength > lowWavelength) factors[i] = (float)rope.Factor;
            else
            {
                var smooth = (rope.OriginalMaxPositions / wavelength - rope.LowFrequencyFactor) / (rope.HighFrequencyFactor - rope.LowFrequencyFactor);
                factors[i] = (float)(1 / ((1 - smooth) / rope.Factor + smooth));
            }
        }
        return factors;
    }
}
