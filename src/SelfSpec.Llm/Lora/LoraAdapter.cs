using System.Text.RegularExpressions;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Lora;

/// <summary>The A [r, in] and B [out, r] matrices adapting one projection.</summary>
/// <param name="A">Down-projection, [r, in_features].</param>
/// <param name="B">Up-projection, [out_features, r].</param>
public sealed record LoraPair(Tensor A, Tensor B);

/// <summary>
/// A LoRA adapter for a Llama-family model, in PEFT's on-disk layout (<c>adapter_config.json</c> +
/// <c>adapter_model.safetensors</c> with names like
/// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>). Pass it to
/// <see cref="LlamaModel.Forward(Tensor, Tensor?, KvCache?, LoraAdapter?, bool)"/> (or with a <see cref="RowAdapters"/>, one adapter per row) to apply it unmerged (so one base model serves several adapters), or
/// merge it with <see cref="LlamaModel.WithMergedAdapter"/>. A trainable adapter (<see cref="CreateTrainable"/>)
/// holds A/B as autograd leaves.
/// </summary>
public sealed partial class LoraAdapter : IDisposable
{
    /// <summary>File name of the weights inside an adapter directory.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private readonly Dictionary<(int Layer, LlamaProjection Projection), LoraPair> pairs;

    private LoraAdapter(string name, LoraConfig config, Dictionary<(int, LlamaProjection), LoraPair> pairs)
    {
        Name = name;
        Config = config;
        this.pairs = pairs;
    }

    /// <summary>A name for choosing this adapter per request (the directory name when loaded).</summary>
    public string Name { get; }

    /// <summary>The adapter's configuration.</summary>
    public LoraConfig Config { get; }

    /// <summary>The factor applied to B·A·x.</summary>
    public double Scale => Config.Scale;

    /// <summary>
    /// Applied to a projection's input before the A matrix during training (LoRA dropout); null (the default) is the identity.
    /// The trainer sets it and clears it again before the adapter is used for inference.
    /// </summary>
    public Func<Tensor, Tensor>? InputDropout { get; set; }

    /// <summary>The adapted projections.</summary>
    public IReadOnlyDictionary<(int Layer, LlamaProjection Projection), LoraPair> Pairs => pairs;

    /// <summary>All A and B matrices (the trainable parameters), in a stable order.</summary>
    public IReadOnlyList<Tensor> Parameters =>
        pairs.OrderBy(kv => kv.Key.Layer).ThenBy(kv => kv.Key.Projection).SelectMany(kv => new[] { kv.Value.A, kv.Value.B }).ToArray();

    /// <summary>The A/B pair for one projection, if adapted.</summary>
    public LoraPair? Find(int layer, LlamaProjection projection) => pairs.GetValueOrDefault((layer, projection));

    /// <summary>The PEFT tensor name of a LoRA matrix.</summary>
    public static string TensorName(int layer, LlamaProjection projection, char matrix) =>
        $"base_model.model.{projection.Path(layer)}.lora_{matrix}.weight";

    [GeneratedRegex(@"^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.default)?\.weight$")]
    private static partial Regex PeftName();

    /// <summary>
    /// Loads an adapter directory for a model with <paramref name="model"/>'s configuration, validating every tensor's
    /// name and shape; the matrices are converted to <paramref name="dtype"/> on <paramref name="device"/>.
    /// </summary>
    /// <exception cref="CheckpointFormatException">A tensor is unexpected, missing its partner, or mis-shaped.</exception>
    public static LoraAdapter Load(string directory, LlamaConfig model, DType dtype, Device? device = null, string? name = null)
    {
        var dir = Path.GetFullPath(directory);
        var config = LoraConfig.Load(dir);
        var file = Path.Combine(dir, WeightsFileName);
        if (!File.Exists(file)) throw new FileNotFoundException($"adapter weights not found: {file} (only safetensors adapters are supported)", file);
        var dev = device ?? Device.Cpu;
        var pairs = new Dictionary<(int, LlamaProjection), LoraPair>();
        var found = new Dictionary<(int, LlamaProjection), Tensor?[]>();
        using var st = SafetensorsFile.Open(file);
        try
        {
            foreach (var tensorName in st.Names.Order(StringComparer.Ordinal))
            {
                var m = PeftName().Match(tensorName);
                if (!m.Success) throw new CheckpointFormatException(file, tensorName, "is not a LoRA A/B matrix of a Llama projection");
                var layer = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var projection = LlamaProjections.FromModuleName(m.Groups[3].Value);
                if (projection == null || projection.Value.BlockName() != m.Groups[2].Value)
                    throw new CheckpointFormatException(file, tensorName, $"names an unknown module '{m.Groups[2].Value}.{m.Groups[3].Value}'");
                if (layer >= model.NumLayers) throw new CheckpointFormatException(file, tensorName, $"names layer {layer} but the model has {model.NumLayers}");
                var isA = m.Groups[4].Value == "A";
                var p = projection.Value;
                long[] want = isA ? [config.Rank, p.InFeatures(model)] : [p.OutFeatures(model), config.Rank];
                var info = st.Tensors[tensorName];
                if (!info.Shape.SequenceEqual(want))
                    throw new CheckpointFormatException(file, tensorName, $"has shape {info.ShapeText}, expected [{string.Join(", ", want)}] (r = {config.Rank})");
                if (!found.TryGetValue((layer, p), out var slot)) found[(layer, p)] = slot = new Tensor?[2];
                // Always a private copy: the mapped file is read-only and a resumed adapter is updated in place by training.
                using var stored = st.Load(tensorName);
                using var converted = stored.To(dtype, dev);
                slot[isA ? 0 : 1] = converted.Clone();
            }
            foreach (var ((layer, p), slot) in found)
            {
                if (slot[0] == null || slot[1] == null)
                    throw new CheckpointFormatException(file, TensorName(layer, p, slot[0] == null ? 'A' : 'B'), "is missing (its partner matrix is present)");
                pairs[(layer, p)] = new LoraPair(slot[0]!, slot[1]!);
            }
            if (pairs.Count == 0) throw new CheckpointFormatException(file, null, "holds no LoRA matrices");
        }
        catch
        {
            foreach (var slot in found.Values) foreach (var t in slot) t?.Dispose();
            throw;
        }
        return new LoraAdapter(name ?? Path.GetFileName(dir), config, pairs);
    }

    /// <summary>
    /// A fresh trainable adapter in PEFT's initialisation: A ~ U(−1/√in, 1/√in) (kaiming-uniform with a = √5),
    /// B = 0 (so it starts as a no-op). A and B require gradients.
    /// </summary>
    public static LoraAdapter CreateTrainable(LlamaConfig model, LoraConfig config, ulong seed, DType dtype = DType.Float32, Device? device = null, string name = "adapter")
    {
        var dev = device ?? Device.Cpu;
        using var generator = new SelfSpec.Torch.Generator(seed);
        var pairs = new Dictionary<(int, LlamaProjection), LoraPair>();
        for (var layer = 0; layer < model.NumLayers; layer++)
            foreach (var p in LlamaProjections.All)
            {
                if (!config.Targets(p, layer)) continue;
                var bound = 1.0 / Math.Sqrt(p.InFeatures(model));
                using var a0 = Tensor.Empty([config.Rank, p.InFeatures(model)]).UniformInPlace(-bound, bound, generator);
                var a = a0.To(dtype, dev).DetachFromScope().RequiresGradInPlace();
                var b = Tensor.Zeros([p.OutFeatures(model), config.Rank], dtype, dev).DetachFromScope().RequiresGradInPlace();
                pairs[(layer, p)] = new LoraPair(a, b);
            }
        return new LoraAdapter(name, config, pairs);
    }

    /// <summary>Wraps existing matrices (this adapter takes ownership).</summary>
    public static LoraAdapter FromPairs(string name, LoraConfig config, IReadOnlyDictionary<(int Layer, LlamaProjection Projection), LoraPair> pairs) =>
        new(name, config, pairs.ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>Writes the adapter in PEFT's layout (F32 unless <paramref name="dtype"/> says otherwise).</summary>
    public void Save(string directory, DType dtype = DType.Float32)
    {
        Directory.CreateDirectory(directory);
        Config.Save(directory);
        using var scope = DisposeScope.Begin();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var ((layer, p), pair) in pairs)
        {
            tensors[TensorName(layer, p, 'A')] = pair.A.Detach().To(dtype, Device.Cpu);
            tensors[TensorName(layer, p, 'B')] = pair.B.Detach().To(dtype, Device.Cpu);
        }
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors);
    }

    private NativeLora? native;

    /// <summary>
    /// This adapter alone for the native low-rank kernels (adapter index 0) of a model of <paramref name="layerCount"/>
    /// layers, made on first use; callers check <see cref="NativeLora.Supports"/> first.
    /// </summary>
    internal NativeLora Native(int layerCount)
    {
        if (native is { } made && made.LayerCount == layerCount) return made;
        return native = new NativeLora([this], layerCount);
    }

    /// <summary>The low-rank update s·B·A for one projection ([out, in]), or null if it is not adapted.</summary>
    public Tensor? Delta(int layer, LlamaProjection projection)
    {
        var pair = Find(layer, projection);
        if (pair == null) return null;
        using var scope = DisposeScope.Begin();
        return scope.MoveToOuter(pair.B.MatMul(pair.A).Mul(Scale));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var pair in pairs.Values)
        {
            pair.A.Dispose();
            pair.B.Dispose();
        }
    }
}
