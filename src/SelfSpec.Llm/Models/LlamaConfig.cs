using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;

namespace SelfSpec.Llm.Models;

/// <summary>
/// The architecture hyper-parameters of a Llama-family model (Llama, Mistral, Qwen2), read from a
/// Hugging Face <c>config.json</c>.
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>The model types this engine runs.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "mistral", "qwen2"];

    /// <summary><c>model_type</c>.</summary>
    public string ModelType { get; init; } = "llama";
    /// <summary><c>vocab_size</c>.</summary>
    public int VocabSize { get; init; }
    /// <summary><c>hidden_size</c>.</summary>
    public int HiddenSize { get; init; }
    /// <summary><c>intermediate_size</c>.</summary>
    public int IntermediateSize { get; init; }
    /// <summary><c>num_hidden_layers</c>.</summary>
    public int NumLayers { get; init; }
    /// <summary><c>num_attention_heads</c>.</summary>
    public int NumHeads { get; init; }
    /// <summary><c>num_key_value_heads</c> (equals <see cref="NumHeads"/> when absent).</summary>
    public int NumKeyValueHeads { get; init; }
    /// <summary><c>head_dim</c> (hidden / heads when absent).</summary>
    public int HeadDim { get; init; }
    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary>RoPE base and scaling.</summary>
    public RopeScaling Rope { get; init; } = new(10000);
    /// <summary><c>max_position_embeddings</c>.</summary>
    public int MaxPositions { get; init; } = 2048;
    /// <summary><c>tie_word_embeddings</c>: the output projection reuses the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on the q/k/v projections (Qwen2, or <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on the o projection (<c>attention_bias</c> in Llama; never in Qwen2).</summary>
    public bool OutputBias { get; init; }
    /// <summary>Bias on the MLP projections (<c>mlp_bias</c>).</summary>
    public bool MlpBias { get; init; }
    /// <summary><c>bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c> (one or several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary><c>pad_token_id</c>.</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Query heads per key/value head.</summary>
    public int GroupSize => NumHeads / NumKeyValueHeads;

    /// <summary>Reads <c>config.json</c> from a model directory (or the file itself).</summary>
    /// <exception cref="CheckpointFormatException">The file is missing fields, inconsistent or names an unsupported architecture.</exception>
    public static LlamaConfig Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        file = Path.GetFullPath(file);
        if (!File.Exists(file)) throw new FileNotFoundException($"model config not found: {file}", file);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CheckpointFormatException(file, null, $"is not valid JSON: {e.Message}", e);
        }
        if (root is not JsonObject o) throw new CheckpointFormatException(file, null, "is not a JSON object");
        return Parse(o, file);
    }

    /// <summary>Parses a <c>config.json</c> object; <paramref name="file"/> names it in errors.</summary>
    public static LlamaConfig Parse(JsonObject o, string file)
    {
        var modelType = o["model_type"]?.GetValue<string>() ?? throw new CheckpointFormatException(file, null, "has no model_type");
        if (!SupportedModelTypes.Contains(modelType))
            throw new CheckpointFormatException(file, null, $"model_type '{modelType}' is not supported (supported: {string.Join(", ", SupportedModelTypes)})");

        int Req(string key) => Number(o[key]) is { } d && d > 0 && d == Math.Floor(d) && d <= int.MaxValue
            ? (int)d
            : throw new CheckpointFormatException(file, null, $"'{key}' is missing or not a positive integer");
        int? Opt(string key) => Number(o[key]) is { } d && d == Math.Floor(d) ? (int)d : null;
        double? OptD(JsonObject obj, string key) => Number(obj[key]);

        var hidden = Req("hidden_size");
        var heads = Req("num_attention_heads");
        var kvHeads = Opt("num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new CheckpointFormatException(file, null, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        var headDim = Opt("head_dim") ?? (hidden % heads == 0 ? hidden / heads : throw new CheckpointFormatException(file, null, $"hidden_size {hidden} is not divisible by num_attention_heads {heads} and head_dim is absent"));
        if (headDim % 2 != 0) throw new CheckpointFormatException(file, null, $"head_dim {headDim} must be even for rotary embeddings");
        var act = o["hidden_act"]?.GetValue<string>() ?? "silu";
        if (act != "silu") throw new CheckpointFormatException(file, null, $"hidden_act '{act}' is not supported (only silu)");

        var eos = new List<int>();
        switch (o["eos_token_id"])
        {
            case JsonArray a: eos.AddRange(a.Select(x => (int)(Number(x) ?? throw new CheckpointFormatException(file, null, "eos_token_id holds a non-number")))); break;
            case JsonValue v when Number(v) is { } e: eos.Add((int)e); break;
        }

        var attentionBias = o["attention_bias"] is JsonValue ab && ab.TryGetValue<bool>(out var abv) && abv;
        return new LlamaConfig
        {
            ModelType = modelType,
            VocabSize = Req("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Req("intermediate_size"),
            NumLayers = Req("num_hidden_layers"),
            NumHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = OptD(o, "rms_norm_eps") ?? 1e-6,
            Rope = ParseRope(o, file),
            MaxPositions = Opt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = o["tie_word_embeddings"] is JsonValue t && t.TryGetValue<bool>(out var tv) && tv,
            AttentionBias = modelType == "qwen2" || attentionBias,
            OutputBias = modelType != "qwen2" && attentionBias,
            MlpBias = o["mlp_bias"] is JsonValue mb && mb.TryGetValue<bool>(out var mbv) && mbv,
            BosTokenId = Opt("bos_token_id"),
            EosTokenIds = eos,
            PadTokenId = Opt("pad_token_id"),
        };
    }

    /// <summary>
    /// This configuration as a Hugging Face <c>config.json</c> object (<c>architectures</c>, <c>model_type</c> and every
    /// field <see cref="Parse"/> reads, in transformers' names), so <c>Parse(ToJson())</c> gives back an equal record.
    /// </summary>
    public JsonObject ToJson()
    {
        var architecture = ModelType switch { "mistral" => "MistralForCausalLM", "qwen2" => "Qwen2ForCausalLM", _ => "LlamaForCausalLM" };
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumLayers,
            ["num_attention_heads"] = NumHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = Rope.Theta,
            ["max_position_embeddings"] = MaxPositions,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = "float32",
        };
        if (Rope.Kind != RopeScalingKind.None)
        {
            var scaling = new JsonObject { ["rope_type"] = Rope.Kind == RopeScalingKind.Linear ? "linear" : "llama3", ["factor"] = Rope.Factor };
            if (Rope.Kind == RopeScalingKind.Llama3)
            {
                scaling["low_freq_factor"] = Rope.LowFrequencyFactor;
                scaling["high_freq_factor"] = Rope.HighFrequencyFactor;
                scaling["original_max_position_embeddings"] = Rope.OriginalMaxPositions;
            }
            o["rope_scaling"] = scaling;
        }
        if (ModelType != "qwen2")
        {
            if (AttentionBias != OutputBias)
                throw new InvalidOperationException($"a {ModelType} config.json has one attention_bias for q/k/v and o; these differ ({AttentionBias}, {OutputBias})");
            o["attention_bias"] = AttentionBias;
        }
        o["mlp_bias"] = MlpBias;
        if (BosTokenId is { } bos) o["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) o["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(EosTokenIds.Select(e => (JsonNode)e).ToArray());
        if (PadTokenId is { } pad) o["pad_token_id"] = pad;
        return o;
    }

    private static RopeScaling ParseRope(JsonObject o, string file)
    {
        // transformers v5 nests everything under rope_parameters; older files use rope_theta + rope_scaling.
        var nested = o["rope_parameters"] as JsonObject;
        var scaling = nested ?? o["rope_scaling"] as JsonObject;
        var theta = Number(nested?["rope_theta"]) ?? Number(o["rope_theta"]) ?? 10000;
        if (scaling == null) return new RopeScaling(theta);

        var type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>() ?? "default";
        double D(string key, double fallback) => Number(scaling[key]) ?? fallback;
        return type switch
        {
            "default" => new RopeScaling(theta),
            "linear" => new RopeScaling(theta, RopeScalingKind.Linear, D("factor", 1)),
            "llama3" => new RopeScaling(theta, RopeScalingKind.Llama3, D("factor", 8), D("low_freq_factor", 1), D("high_freq_factor", 4),
                (int)D("original_max_position_embeddings", 8192)),
            _ => throw new CheckpointFormatException(file, null, $"rope scaling type '{type}' is not supported (supported: default, linear, llama3)"),
        };
    }

    /// <summary>A JSON number as a double, whether parsed from text or built in code; null for anything else.</summary>
    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
