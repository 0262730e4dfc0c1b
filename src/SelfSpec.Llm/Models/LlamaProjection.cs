namespace SelfSpec.Llm.Models;

/// <summary>The seven linear projections of a Llama decoder layer (the LoRA target modules).</summary>
public enum LlamaProjection
{
    /// <summary><c>self_attn.q_proj</c>.</summary>
    Query,
    /// <summary><c>self_attn.k_proj</c>.</summary>
    Key,
    /// <summary><c>self_attn.v_proj</c>.</summary>
    Value,
    /// <summary><c>self_attn.o_proj</c>.</summary>
    Output,
    /// <summary><c>mlp.gate_proj</c>.</summary>
    Gate,
    /// <summary><c>mlp.up_proj</c>.</summary>
    Up,
    /// <summary><c>mlp.down_proj</c>.</summary>
    Down,
}

/// <summary>Names and shapes of the projections.</summary>
public static class LlamaProjections
{
    /// <summary>All seven projections in checkpoint order.</summary>
    public static readonly IReadOnlyList<LlamaProjection> All =
        [LlamaProjection.Query, LlamaProjection.Key, LlamaProjection.Value, LlamaProjection.Output, LlamaProjection.Gate, LlamaProjection.Up, LlamaProjection.Down];

    /// <summary>The module name (<c>q_proj</c>, …).</summary>
    public static string ModuleName(this LlamaProjection p) => p switch
    {
        LlamaProjection.Query => "q_proj",
        LlamaProjection.Key => "k_proj",
        LlamaProjection.Value => "v_proj",
        LlamaProjection.Output => "o_proj",
        LlamaProjection.Gate => "gate_proj",
        LlamaProjection.Up => "up_proj",
        LlamaProjection.Down => "down_proj",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    /// <summary>The parent block (<c>self_attn</c> or <c>mlp</c>).</summary>
    public static string BlockName(this LlamaProjection p) => p <= LlamaProjection.Output ? "self_attn" : "mlp";

    /// <summary>The projection for a module name, or null.</summary>
    public static LlamaProjection? FromModuleName(string name) => All.Cast<LlamaProjection?>().FirstOrDefault(p => p!.Value.ModuleName() == name);

    /// <summary>The weight name in a checkpoint: <c>model.layers.{layer}.{block}.{module}</c> (without <c>.weight</c>).</summary>
    public static string Path(this LlamaProjection p, int layer) => $"model.layers.{layer}.{p.BlockName()}.{p.ModuleName()}";

    /// <summary>Input features of the projection.</summary>
    public static int InFeatures(this LlamaProjection p, LlamaConfig c) => p switch
    {
        LlamaProjection.Output => c.NumHeads * c.HeadDim,
        LlamaProjection.Down => c.IntermediateSize,
        _ => c.HiddenSize,
    };

    /// <summary>Output features of the projection.</summary>
    public static int OutFeatures(this LlamaProjection p, LlamaConfig c) => p switch
    {
        LlamaProjection.Query => c.NumHeads * c.HeadDim,
        LlamaProjection.Key or LlamaProjection.Value => c.NumKeyValueHeads * c.HeadDim,
        LlamaProjection.Output or LlamaProjection.Down => c.HiddenSize,
        _ => c.IntermediateSize,
    };

    /// <summary>True when the projection carries a bias under this configuration.</summary>
    public static bool HasBias(this LlamaProjection p, LlamaConfig c) => p switch
    {
        LlamaProjection.Query or LlamaProjection.Key or LlamaProjection.Value => c.AttentionBias,
        LlamaProjection.Output => c.OutputBias,
        _ => c.MlpBias,
    };
}
