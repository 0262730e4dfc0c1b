using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>
/// A Llama-family decoder (Llama, Mistral, Qwen2) following Hugging Face's implementation: RMSNorm, rotate-half
/// RoPE on positions derived from the attention mask, grouped-query attention, SwiGLU MLP, <c>lm_head</c>.
/// <para>
/// <see cref="Forward(Tensor, Tensor?, KvCache?, LoraAdapter?, bool)"/> serves both generation (under <see cref="NoGrad"/> with a <see cref="KvCache"/>) and training
/// (with autograd and no cache). Gradients reach whatever requires them: the matrices of a trainable
/// <see cref="LoraAdapter"/> over frozen weights, or every weight of <see cref="NamedWeights"/> for full training from
/// scratch (<see cref="CreateRandom"/>). Loaded weights do not require gradients, and the fast no-grad kernels
/// (<see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>, fused decode attention) fall back to libtorch's differentiable ops whenever
/// autograd is in play, so inference keeps its speed.
/// </para>
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private readonly LlamaLayer[] layers;
    private readonly RotaryTable rotary;
    /// <summary>The output head as a linear layer (an alias of <see cref="LmHead"/>), so decoding reads its tiled copy.</summary>
    private readonly LinearWeights outputHead;

    private LlamaModel(LlamaConfig config, DType dtype, Device device, Tensor embedding, LlamaLayer[] layers, Tensor finalNorm, Tensor lmHead)
    {
        Config = config;
        DType = dtype;
        Device = device;
        Embedding = embedding;
        this.layers = layers;
        FinalNorm = finalNorm;
        LmHead = lmHead;
        outputHead = new LinearWeights(lmHead.Alias().DetachFromScope(), null) { PageOutAfterTiling = !lmHead.StartsAtSameDataAs(embedding) };
        rotary = new RotaryTable(config.Rope.InverseFrequencies(config.HeadDim).Select(d => (float)d).ToArray(), dtype, device);
    }

    /// <summary>The architecture.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The compute dtype of activations and norms (logits are always returned as float32); see <see cref="WeightDType"/>.</summary>
    public DType DType { get; }

    /// <summary>Storage dtype of the projection, embedding and output matrices.</summary>
    public DType WeightDType => LmHead.DType;

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary><c>model.embed_tokens.weight</c>, [vocab, hidden].</summary>
    public Tensor Embedding { get; }

    /// <summary>The decoder layers.</summary>
    public IReadOnlyList<LlamaLayer> Layers => layers;

    /// <summary><c>model.norm.weight</c>.</summary>
    public Tensor FinalNorm { get; }

    /// <summary><c>lm_head.weight</c> (the embedding itself when tied).</summary>
    public Tensor LmHead { get; }

    /// <summary>
    /// Whether a float32 decode step on the CPU (one new token per row, with a KV cache and no unmerged adapter) runs each
    /// layer as one native call (<see cref="Functional.LlamaDecodeLayer"/>) instead of op by op. On by default; the two
    /// agree to float32 rounding and run the same kernels (norms, tiled projections, attention, SiLU). Off is for comparison.
    /// </summary>
    public bool FuseDecodeLayers { get; set; } = true;

    /// <summary>
    /// Whether float32 inference on the CPU keeps a copy of each projection and of lm_head in the tiled layout of
    /// <see cref="Functional.TiledLinear"/> (made on first use) and computes prefill and decode steps with it. On by
    /// default (see <see cref="LlamaLoadOptions.TileWeights"/>): the fastest path. Once tiled, the loaded weights' pages
    /// are handed back to the OS (<see cref="ResidentMemory.PageOut"/>), so weights used in place from a mapped checkpoint
    /// are held about once; weights converted at load are held twice. Turning it off frees the copies; inference then
    /// takes the row-major kernels (<see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>) and the decode step runs
    /// op by op. Change it only while no forward pass is running.
    /// </summary>
    public bool TileWeights
    {
        get => outputHead.TilingEnabled;
        set
        {
            outputHead.TilingEnabled = value;
            foreach (var layer in layers)
                foreach (var p in LlamaProjections.All) layer[p].TilingEnabled = value;
        }
    }

    /// <summary>Total number of parameters.</summary>
    public long ParameterCount =>
        Embedding.NumElements + FinalNorm.NumElements + (Config.TieWordEmbeddings ? 0 : LmHead.NumElements)
        + layers.Sum(l => l.InputNorm.NumElements + l.PostAttentionNorm.NumElements
            + LlamaProjections.All.Sum(p => l[p].ParameterCount));

    /// <summary>
    /// Loads <c>config.json</c> and the safetensors weights (single or sharded) of a model directory, checking that
    /// exactly the expected tensors are present with the expected shapes.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The configuration or the weights are unusable; the message names the file and tensor.</exception>
    public static LlamaModel Load(string directory, LlamaLoadOptions? options = null)
    {
        options ??= new LlamaLoadOptions();
        if (options.DType is not (DType.Float32 or DType.BFloat16 or DType.Float16))
            throw new ArgumentException($"compute dtype must be float32, bfloat16 or float16, not {options.DType.Name()}", nameof(options));
        var config = LlamaConfig.Load(directory);
        using var checkpoint = CheckpointDirectory.Open(directory);
        var expected = ExpectedShapes(config);
        Validate(checkpoint, config, expected);

        var loaded = new List<Tensor>();
        var weightType = options.WeightDType ?? options.DType;
        if (weightType is not (DType.Float32 or DType.BFloat16 or DType.Float16))
            throw new ArgumentException($"weight dtype must be float32, bfloat16 or float16, not {weightType.Name()}", nameof(options));
        Tensor Get(string name) => GetAs(name, options.DType);
        Tensor GetMatrix(string name) => GetAs(name, weightType);
        Tensor GetAs(string name, DType dtype)
        {
            var t = checkpoint.Load(name, dtype);
            if (options.Device.Type != DeviceType.Cpu)
            {
                var onDevice = t.To(options.Device);
                t.Dispose();
                t = onDevice;
            }
            loaded.Add(t);
            return t;
        }
        Tensor? GetOptional(string name) => expected.ContainsKey(name) ? Get(name) : null;

        using var scope = DisposeScope.Begin();
        try
        {
            var embedding = GetMatrix("model.embed_tokens.weight");
            var layers = new LlamaLayer[config.NumLayers];
            for (var l = 0; l < config.NumLayers; l++)
            {
                var projections = LlamaProjections.All
                    .Select(p => new LinearWeights(GetMatrix(p.Path(l) + ".weight"), GetOptional(p.Path(l) + ".bias")))
                    .ToArray();
                layers[l] = new LlamaLayer(l, Get($"model.layers.{l}.input_layernorm.weight"), Get($"model.layers.{l}.post_attention_layernorm.weight"), projections);
            }
            var norm = Get("model.norm.weight");
            var head = config.TieWordEmbeddings || !checkpoint.Contains("lm_head.weight") ? embedding.Alias() : GetMatrix("lm_head.weight");
            foreach (var t in loaded) t.DetachFromScope();
            head.DetachFromScope();
            return new LlamaModel(config, options.DType, options.Device, embedding, layers, norm, head) { TileWeights = options.TileWeights };
        }
        catch
        {
            foreach (var t in loaded) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A float32 model with fresh weights, initialised as Hugging Face's <c>LlamaPreTrainedModel._init_weights</c> does:
    /// every projection, embedding and output matrix drawn from normal(0, <paramref name="initializerRange"/>), biases
    /// zero, RMSNorm weights one. The draws come from one generator seeded with <paramref name="seed"/>, in checkpoint
    /// order, so the same seed gives the same weights.
    /// </summary>
    public static LlamaModel CreateRandom(LlamaConfig config, ulong seed, double initializerRange = 0.02, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!(initializerRange > 0)) throw new ArgumentOutOfRangeException(nameof(initializerRange), "must be positive");
        var dev = device ?? Device.Cpu;
        using var noGrad = new NoGrad();
        using var generator = new Generator(seed);
        var created = new List<Tensor>();
        using var scope = DisposeScope.Begin();
        try
        {
            Tensor Keep(Tensor t)
            {
                var onDevice = dev.Type == DeviceType.Cpu ? t : t.To(dev);
                onDevice.DetachFromScope();
                created.Add(onDevice);
                return onDevice;
            }
            Tensor Normal(long rows, long cols) => Keep(Tensor.Randn([rows, cols], generator).Mul(initializerRange));
            Tensor Ones(long n) => Keep(Tensor.Ones([n]));
            Tensor Zeros(long n) => Keep(Tensor.Zeros([n]));

            var embedding = Normal(config.VocabSize, config.HiddenSize);
            var layers = new LlamaLayer[config.NumLayers];
            for (var l = 0; l < config.NumLayers; l++)
            {
                var projections = LlamaProjections.All
                    .Select(p => new LinearWeights(Normal(p.OutFeatures(config), p.InFeatures(config)), p.HasBias(config) ? Zeros(p.OutFeatures(config)) : null))
                    .ToArray();
                layers[l] = new LlamaLayer(l, Ones(config.HiddenSize), Ones(config.HiddenSize), projections);
            }
            var norm = Ones(config.HiddenSize);
            var head = config.TieWordEmbeddings ? embedding.Alias().DetachFromScope() : Normal(config.VocabSize, config.HiddenSize);
            return new LlamaModel(config, DType.Float32, dev, embedding, layers, norm, head);
        }
        catch
        {
            foreach (var t in created) t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every distinct weight tensor under its checkpoint name (<c>model.embed_tokens.weight</c>, …), in checkpoint order;
    /// a tied <c>lm_head.weight</c> is the embedding and is not listed again. These are what full training updates and
    /// what a checkpoint stores.
    /// </summary>
    /// <exception cref="InvalidOperationException">A projection is packed (quantised) and has no dense weight.</exception>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedWeights()
    {
        var named = new List<KeyValuePair<string, Tensor>> { new("model.embed_tokens.weight", Embedding) };
        foreach (var layer in layers)
        {
            named.Add(new($"model.layers.{layer.Index}.input_layernorm.weight", layer.InputNorm));
            named.Add(new($"model.layers.{layer.Index}.post_attention_layernorm.weight", layer.PostAttentionNorm));
            foreach (var p in LlamaProjections.All)
            {
                named.Add(new(p.Path(layer.Index) + ".weight", layer[p].Weight));
                if (layer[p].Bias is { } bias) named.Add(new(p.Path(layer.Index) + ".bias", bias));
            }
        }
        named.Add(new("model.norm.weight", FinalNorm));
        if (!Config.TieWordEmbeddings) named.Add(new("lm_head.weight", LmHead));
        return named;
    }

    /// <summary>The tensor names and shapes a checkpoint of this configuration must hold.</summary>
    public static Dictionary<string, long[]> ExpectedShapes(LlamaConfig c)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["model.embed_tokens.weight"] = [c.VocabSize, c.HiddenSize],
            ["model.norm.weight"] = [c.HiddenSize],
        };
        if (!c.TieWordEmbeddings) shapes["lm_head.weight"] = [c.VocabSize, c.HiddenSize];
        for (var l = 0; l < c.NumLayers; l++)
        {
            shapes[$"model.layers.{l}.input_layernorm.weight"] = [c.HiddenSize];
            shapes[$"model.layers.{l}.post_attention_layernorm.weight"] = [c.HiddenSize];
            foreach (var p in LlamaProjections.All)
            {
                shapes[p.Path(l) + ".weight"] = [p.OutFeatures(c), p.InFeatures(c)];
                if (p.HasBias(c)) shapes[p.Path(l) + ".bias"] = [p.OutFeatures(c)];
            }
        }
        return shapes;
    }

    private static void Validate(CheckpointDirectory checkpoint, LlamaConfig config, Dictionary<string, long[]> expected)
    {
        foreach (var (name, shape) in expected)
        {
            if (!checkpoint.Contains(name))
                throw new CheckpointFormatException(checkpoint.Directory, name, $"is missing from the checkpoint (expected shape [{string.Join(", ", shape)}])");
            var (file, info) = checkpoint.Find(name);
            if (!info.Shape.SequenceEqual(shape))
                throw new CheckpointFormatException(file.Path, name, $"has shape {info.ShapeText}, but config.json implies [{string.Join(", ", shape)}]");
            if (SafetensorsDType.ToTorch(info.DType) is not (DType.Float32 or DType.BFloat16 or DType.Float16))
                throw new CheckpointFormatException(file.Path, name, $"has dtype {info.DType}; weights must be F32, BF16 or F16");
        }
        foreach (var name in checkpoint.Names)
        {
            if (expected.ContainsKey(name) || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)) continue;
            if (name == "lm_head.weight" && config.TieWordEmbeddings) continue;
            throw new CheckpointFormatException(checkpoint.Find(name).File.Path, name, $"is not a weight of a {config.ModelType} model with this config.json");
        }
    }

    /// <summary>A KV cache for this model.</summary>
    public KvCache CreateCache(int batch, int capacity) => new(Config, batch, capacity, DType, Device);

    /// <summary>
    /// Runs the decoder on <paramref name="inputIds"/> [batch, T] (int64) and returns float32 logits [batch, T, vocab]
    /// (or [batch, 1, vocab] with <paramref name="lastPositionOnly"/>).
    /// </summary>
    /// <param name="inputIds">Token ids of the new positions.</param>
    /// <param name="attentionMask">
    /// 1 for real tokens and 0 for padding, [batch, past + T] covering the cached positions too; positions are
    /// <c>cumsum(mask) − 1</c> as in Hugging Face. Null means no padding.
    /// </param>
    /// <param name="cache">When given, the new keys/values are appended to it and attention covers the cached positions.</param>
    /// <param name="adapter">A LoRA adapter applied unmerged (h = W₀x + s·B·A·x) to the projections it adapts.</param>
    /// <param name="lastPositionOnly">Compute the output projection for the last position only (generation).</param>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null, LoraAdapter? adapter = null, bool lastPositionOnly = false) =>
        ForwardCore(inputIds, attentionMask, cache, new AdapterPlan(adapter, null), lastPositionOnly);

    /// <summary>
    /// <see cref="Forward(Tensor, Tensor?, KvCache?, LoraAdapter?, bool)"/> with a LoRA adapter per row (multi-LoRA
    /// batching): each row gets its own adapter's s·B·A·x (computed on that adapter's rows only), base rows none. A row's
    /// logits are the bits it would get with its adapter alone in a batch of that adapter's rows.
    /// </summary>
    /// <param name="inputIds">Token ids of the new positions, [batch, T].</param>
    /// <param name="attentionMask">As for the single-adapter form.</param>
    /// <param name="cache">As for the single-adapter form.</param>
    /// <param name="adapters">Each row's adapter (<see cref="RowAdapters.Rows"/> must equal the batch); null: the base model for every row.</param>
    /// <param name="lastPositionOnly">Compute the output projection for the last position only (generation).</param>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, KvCache? cache, RowAdapters? adapters, bool lastPositionOnly = false)
    {
        if (adapters != null && adapters.Rows != inputIds.Size(0))
            throw new ArgumentException($"the row adapters describe {adapters.Rows} rows but the input has {inputIds.Size(0)}", nameof(adapters));
        return ForwardCore(inputIds, attentionMask, cache, AdapterPlan.Of(adapters), lastPositionOnly);
    }

    /// <summary>
    /// Whether an inference decode step (under <see cref="NoGrad"/>, one new token per row, with a KV cache) of <paramref name="rows"/> rows takes the fused
    /// per-layer kernel (<see cref="FuseDecodeLayers"/>), with <paramref name="adapter"/> (null: the base model) on a row.
    /// A LoRA adapter fuses when the native low-rank kernel takes it (float32 matrices on the CPU, no input dropout); then
    /// its rows, the base model's and other such adapters' rows share fused steps. A batch fuses when every row's adapter
    /// does and it has at most <see cref="MaxFusedDecodeRows"/> rows. The fused step's logits agree with the op-by-op
    /// step's to float rounding (bit for bit on the models tested, adapters included, but not by construction), so a
    /// server that wants a row's bits independent of its batch keeps rows that would take different paths in different
    /// batches; this is the test it decides by, and the forward pass decides by the same conditions.
    /// </summary>
    public bool DecodesFused(int rows, LoraAdapter? adapter = null) =>
        DecodeStepFuses(rows, adapter == null || NativeLora.Supports(adapter, Device)) && FusedLayers() is not null;

    /// <summary>
    /// The conditions of <see cref="DecodesFused"/> but for the layers' weights: a float32 CPU model with the fused kernel
    /// on, at most <see cref="MaxFusedRows"/> rows, and adapters (if any) that the native low-rank kernel takes.
    /// </summary>
    private bool DecodeStepFuses(long rows, bool adaptersNative) =>
        adaptersNative && FuseDecodeLayers && rows <= MaxFusedRows && Functional.LlamaDecodeLayerAvailable
        && DType == DType.Float32 && Device.Type == DeviceType.Cpu;

    /// <summary>The most rows a fused decode step takes (<see cref="DecodesFused"/>).</summary>
    public static int MaxFusedDecodeRows => (int)MaxFusedRows;

    private Tensor ForwardCore(Tensor inputIds, Tensor? attentionMask, KvCache? cache, AdapterPlan adapter, bool lastPositionOnly)
    {
        if (inputIds.Dim != 2) throw new ArgumentException($"inputIds must be [batch, T], got {inputIds}", nameof(inputIds));
        var batch = inputIds.Size(0);
        var t = inputIds.Size(1);
        var past = cache?.Length ?? 0;
        var total = past + t;
        if (cache != null && cache.Batch != batch) throw new ArgumentException($"the cache holds {cache.Batch} rows but the input has {batch}", nameof(cache));
        if (attentionMask != null && (attentionMask.Dim != 2 || attentionMask.Size(0) != batch || attentionMask.Size(1) != total))
            throw new ArgumentException($"attentionMask must be [{batch}, {total}] (cached + new positions), got {attentionMask}", nameof(attentionMask));

        using var scope = DisposeScope.Begin();
        var (cos, sin) = rotary.Lookup(Positions(attentionMask, batch, past, t));
        var blocked = BlockedKeys(attentionMask, batch, past, t);
        var padding = attentionMask?.Eq(0L);

        var h = Functional.Embedding(Embedding, inputIds);
        if (h.DType != DType) h = h.To(DType);
        if (FusedInference(h)) adapter = adapter.WithNative(layers.Length, batch, Device);
        if (FusedDecodeStep(h, t, cache, adapter) is { } fused)
        {
            // h is this call's own tensor (the embedding lookup made it), so the layers update it in place.
            cache!.EnsureRoom(1);
            for (var l = 0; l < layers.Length; l++)
                Functional.LlamaDecodeLayer(h, layers[l].InputNorm, layers[l].PostAttentionNorm, Config.RmsNormEps, fused[l].Weights, fused[l].Biases, cos, sin,
                    cache.Keys(l), cache.Values(l), past, padding, Config.NumHeads, Config.NumKeyValueHeads,
                    adapter.Native?.Kernels.Layer(l), adapter.Native?.AdapterOfRow);
        }
        else foreach (var layer in layers)
        {
            using var layerScope = DisposeScope.Begin();
            var x = RmsNorm(h, layer.InputNorm);
            var attended = h.Add(Attention(layer, x, cos, sin, blocked, padding, cache, adapter, batch, t, past));
            var mlp = Mlp(layer, RmsNorm(attended, layer.PostAttentionNorm), adapter);
            var next = attended.Add(mlp);
            layerScope.MoveToOuter(next);
            h.Dispose();
            h = next;
        }
        cache?.Advance((int)t);

        var normed = RmsNorm(h, FinalNorm);
        if (lastPositionOnly && t > 1) normed = normed.Narrow(1, t - 1, 1);
        var logits = outputHead.Apply(normed);
        if (logits.DType != DType.Float32) logits = logits.To(DType.Float32);
        return scope.MoveToOuter(logits);
    }

    /// <summary>
    /// A copy of this model with <paramref name="adapter"/> merged into the weights (W = W₀ + s·B·A); projections the
    /// adapter does not touch share this model's weights.
    /// </summary>
    public LlamaModel WithMergedAdapter(LoraAdapter adapter)
    {
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        var merged = new LlamaLayer[layers.Length];
        for (var l = 0; l < layers.Length; l++)
        {
            var src = layers[l];
            var projections = LlamaProjections.All.Select(p =>
            {
                var w = src[p].Weight;
                var delta = adapter.Find(l, p) is { } pair
                    ? pair.B.To(DType.Float32, Device).MatMul(pair.A.To(DType.Float32, Device)).Mul(adapter.Scale)
                    : null;
                var weight = delta == null ? w.Alias() : w.To(DType.Float32).Add(delta).To(w.DType);
                return new LinearWeights(weight.DetachFromScope(), src[p].Bias?.Alias().DetachFromScope());
            }).ToArray();
            merged[l] = new LlamaLayer(l, src.InputNorm.Alias().DetachFromScope(), src.PostAttentionNorm.Alias().DetachFromScope(), projections);
        }
        return new LlamaModel(Config, DType, Device, Embedding.Alias().DetachFromScope(), merged, FinalNorm.Alias().DetachFromScope(), LmHead.Alias().DetachFromScope())
        {
            FuseDecodeLayers = FuseDecodeLayers,
            TileWeights = TileWeights,
        };
    }

    // ---- pieces of the forward pass ---------------------------------------------------------------

    private Tensor Positions(Tensor? mask, long batch, long past, long t)
    {
        if (mask == null) return Tensor.Arange(past, past + t, 1, DType.Int64, Device).View(1, t).Expand(batch, t);
        var positions = mask.CumSum(1, DType.Int64).Sub(1L);
        positions = positions.MaskedFill(mask.Eq(0L), 1L);
        return positions.Narrow(1, past, t);
    }

    /// <summary>[B or 1, 1, T, past+T] true where a query may not attend a key (future position or padding); null when nothing is blocked.</summary>
    private Tensor? BlockedKeys(Tensor? mask, long batch, long past, long t)
    {
        var total = past + t;
        Tensor? blocked = null;
        if (t > 1)
        {
            var keys = Tensor.Arange(0, total, 1, DType.Int64, Device).View(1, total);
            var queries = Tensor.Arange(past, total, 1, DType.Int64, Device).View(t, 1);
            blocked = keys.Gt(queries).View(1, 1, t, total);
        }
        if (mask != null)
        {
            var padding = mask.Eq(0L).View(batch, 1, 1, total);
            blocked = blocked == null ? padding : blocked.LogicalOr(padding);
        }
        return blocked;
    }

    /// <summary>
    /// Every layer's weights for <see cref="Functional.LlamaDecodeLayer"/> when this forward pass is a decode step it
    /// covers (see <see cref="FuseDecodeLayers"/>), else null.
    /// </summary>
    private (TiledWeight[] Weights, Tensor?[] Biases)[]? FusedDecodeStep(Tensor h, long t, KvCache? cache, AdapterPlan adapter) =>
        t == 1 && cache != null && FusedInference(h) && DecodeStepFuses(h.Size(0), adapter.IsNone || adapter.Native != null) ? FusedLayers() : null;

    /// <summary>Every layer's weights for <see cref="Functional.LlamaDecodeLayer"/>, or null when a layer does not fit it.</summary>
    private (TiledWeight[] Weights, Tensor?[] Biases)[]? FusedLayers()
    {
        var fused = new (TiledWeight[] Weights, Tensor?[] Biases)[layers.Length];
        for (var l = 0; l < layers.Length; l++)
        {
            if (layers[l].FusableProjections is not { } p) return null;
            fused[l] = p;
        }
        return fused;
    }

    /// <summary>The most rows <see cref="Functional.LlamaDecodeLayer"/> takes (its own limit; the tiled projections have none).</summary>
    private const long MaxFusedRows = 32;

    /// <summary>Float32 inference on the CPU: the fused native kernels (RMSNorm, rotary) apply.</summary>
    private bool FusedInference(Tensor x) => DType == DType.Float32 && x.DType == DType.Float32 && Device.Type == DeviceType.Cpu && !NoGrad.IsGradEnabled;

    private Tensor RmsNorm(Tensor x, Tensor weight)
    {
        if (FusedInference(x) && weight.DType == DType.Float32) return Functional.RmsNorm(x, weight, Config.RmsNormEps);
        var xf = x.DType == DType.Float32 ? x : x.To(DType.Float32);
        var variance = xf.Square().Mean([-1], keepDim: true);
        var normed = xf.Mul(variance.Add(Config.RmsNormEps).Rsqrt());
        if (normed.DType != DType) normed = normed.To(DType);
        return normed.Mul(weight);
    }

    private static Tensor Project(LlamaLayer layer, LlamaProjection p, Tensor x, AdapterPlan adapter) =>
        ProjectAdapted(layer, [p], x, adapter)?[0] ?? WithAdapter(layer, p, x, layer[p].Apply(x), adapter);

    /// <summary>Several projections of the same input (q/k/v, gate/up), the base weights in one call.</summary>
    private static Tensor[] Project(LlamaLayer layer, LlamaProjection[] ps, Tensor x, AdapterPlan adapter)
    {
        if (ProjectAdapted(layer, ps, x, adapter) is { } adapted) return adapted;
        var ys = LinearWeights.ApplyAll(ps.Select(p => layer[p]).ToArray(), x);
        for (var i = 0; i < ps.Length; i++) ys[i] = WithAdapter(layer, ps[i], x, ys[i], adapter);
        return ys;
    }

    /// <summary>
    /// The projections with their rows' adapters' updates in one native call (<see cref="Functional.TiledLinearWithAdapters"/>:
    /// the low-rank products in the projections' own parallel region, the bits of <see cref="WithAdapter(LlamaLayer, LlamaProjection, Tensor, Tensor, AdapterPlan)"/>'s
    /// native kernel), when the native kernel takes the adapters and the weights are tiled; null otherwise.
    /// </summary>
    private static Tensor[]? ProjectAdapted(LlamaLayer layer, LlamaProjection[] ps, Tensor x, AdapterPlan plan) =>
        plan.Native is { } native && x.DType == DType.Float32
            ? LinearWeights.ApplyAllAdapted(ps.Select(p => layer[p]).ToArray(), x, native.Kernels.Layer(layer.Index), ps.Select(p => (int)p).ToArray(), native.AdapterOfRow)
            : null;

    /// <summary>
    /// y + s·B·A·x for each row whose adapter adapts this projection, else y. Float32 inference on the CPU takes the native
    /// low-rank kernel (<see cref="Functional.AddLowRank"/>, updating y in place), the one the fused decode layer applies,
    /// so an adapter row gets the same update on either path and whatever its batch. Otherwise (autograd, other dtypes or
    /// devices) libtorch's ops: float32 through <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>, whose result for
    /// a row does not depend on the other rows.
    /// </summary>
    private static Tensor WithAdapter(LlamaLayer layer, LlamaProjection p, Tensor x, Tensor y, AdapterPlan plan)
    {
        if (plan.Native is { } native && x.DType == DType.Float32 && y.DType == DType.Float32)
        {
            if (!y.IsContiguous) y = y.Contiguous();
            Functional.AddLowRank(y, x, native.Kernels.Layer(layer.Index), (int)p, native.AdapterOfRow);
            return y;
        }
        if (plan.Single is { } single) return WithAdapter(layer, p, x, y, single);
        if (plan.PerRow is not { } rows) return y;
        // Each adapter on its own rows: gather them, add their update exactly as the single-adapter path would, and put
        // them back.
        foreach (var group in rows.Groups)
        {
            if (group.Adapter.Find(layer.Index, p) is null) continue;
            var updated = WithAdapter(layer, p, x.IndexSelect(0, group.Index), y.IndexSelect(0, group.Index), group.Adapter);
            y.IndexCopyInPlace(0, group.Index, updated);
        }
        return y;
    }

    private static Tensor WithAdapter(LlamaLayer layer, LlamaProjection p, Tensor x, Tensor y, LoraAdapter adapter)
    {
        if (adapter.Find(layer.Index, p) is not { } pair) return y;
        var input = adapter.InputDropout?.Invoke(x) ?? x;
        var low = input.DType == DType.Float32 && pair.A.DType == DType.Float32 && pair.B.DType == DType.Float32
            ? Functional.LinearRows(Functional.LinearRows(input, pair.A), pair.B)
            : Functional.Linear(Functional.Linear(input, pair.A), pair.B);
        return y.Add(low, adapter.Scale);
    }

    private static readonly LlamaProjection[] QueryKeyValue = [LlamaProjection.Query, LlamaProjection.Key, LlamaProjection.Value];
    private static readonly LlamaProjection[] GateUp = [LlamaProjection.Gate, LlamaProjection.Up];

    private static Tensor ApplyRotary(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.Size(-1) / 2;
        var rotated = Tensor.Cat([x.Narrow(-1, half, half).Neg(), x.Narrow(-1, 0, half)], -1);
        return x.Mul(cos).Add(rotated.Mul(sin));
    }

    private Tensor Attention(LlamaLayer layer, Tensor x, Tensor cos, Tensor sin, Tensor? blocked, Tensor? padding, KvCache? cache, AdapterPlan adapter,
        long batch, long t, long past)
    {
        var c = Config;
        long heads = c.NumHeads, kvHeads = c.NumKeyValueHeads, dim = c.HeadDim, group = c.GroupSize;
        Tensor RotaryHeadsFirst(Tensor projected, long n) => FusedInference(projected)
            ? Functional.RotaryHeadsFirst(projected.View(batch, t, n, dim), cos, sin)
            : ApplyRotary(projected.View(batch, t, n, dim), cos, sin).Permute(0, 2, 1, 3);
        var qkv = Project(layer, QueryKeyValue, x, adapter);
        var q = RotaryHeadsFirst(qkv[0], heads);
        var k = RotaryHeadsFirst(qkv[1], kvHeads);
        var v = qkv[2].View(batch, t, kvHeads, dim).Permute(0, 2, 1, 3);
        var (keys, values) = cache != null ? cache.Append(layer.Index, k, v, (int)t) : (k, v);
        var total = past + t;

        if (FusedInference(x))
        {
            // Fused attention of each query over its visible keys (no batched gemms, no score tensors). Only the
            // unpadded keys enter its sums, so a row's output depends neither on the padding a longer prompt elsewhere
            // in the batch forces nor on the batch's size, and a prefill gives the bits a decode step would.
            var attended = Functional.CausalAttention(q, keys, values, padding, 1.0 / Math.Sqrt(dim));
            return Project(layer, LlamaProjection.Output, attended.Permute(0, 2, 1, 3).Reshape(batch, t, heads * dim), adapter);
        }

        // Query heads h = kv·group + g share kv head kv: fold the group into the query-length axis instead of repeating K/V.
        var grouped = q.Reshape(batch, kvHeads, group * t, dim);
        var scores = grouped.MatMul(keys.Transpose(2, 3)).Mul(1.0 / Math.Sqrt(dim)).View(batch, heads, t, total);
        if (scores.DType != DType.Float32) scores = scores.To(DType.Float32);
        if (blocked != null) scores = scores.MaskedFill(blocked, float.MinValue);
        var probs = scores.Softmax(-1);
        if (probs.DType != DType) probs = probs.To(DType);
        var context = probs.View(batch, kvHeads, group * t, total).MatMul(values)
            .View(batch, heads, t, dim).Permute(0, 2, 1, 3).Reshape(batch, t, heads * dim);
        return Project(layer, LlamaProjection.Output, context, adapter);
    }

    private Tensor Mlp(LlamaLayer layer, Tensor x, AdapterPlan adapter)
    {
        var gateUp = Project(layer, GateUp, x, adapter);
        // libtorch's SiLU computes the elements after its last whole vector another way: their bits would depend on the batch's size.
        var product = FusedInference(x) ? Functional.SiluMul(gateUp[0], gateUp[1]) : gateUp[0].Silu().Mul(gateUp[1]);
        return Project(layer, LlamaProjection.Down, product, adapter);
    }

    /// <summary>
    /// The adapters of one forward pass: none, one for every row, or one per row; and, for float32 inference on the CPU
    /// when the native low-rank kernel takes them all, the same adapters in its form (<see cref="Native"/>).
    /// </summary>
    private readonly record struct AdapterPlan(LoraAdapter? Single, RowAdapters? PerRow)
    {
        public bool IsNone => Single == null && PerRow == null;

        /// <summary>The adapters for <see cref="Functional.AddLowRank"/> and the fused decode layer; null: libtorch's ops apply them.</summary>
        public NativeLoraRows? Native { get; private init; }

        /// <summary>This plan with <see cref="Native"/> set where the native kernel takes every adapter (call only for float32 inference).</summary>
        public AdapterPlan WithNative(int layerCount, long rows, Device device)
        {
            if (Single is { } single)
                return NativeLora.Supports(single, device) ? this with { Native = new NativeLoraRows(single.Native(layerCount), new int[rows]) } : this;
            return PerRow?.Native(layerCount) is { } native ? this with { Native = native } : this;
        }

        public static AdapterPlan Of(RowAdapters? rows) =>
            rows == null || rows.IsEmpty ? default : rows.Uniform is { } u ? new AdapterPlan(u, null) : new AdapterPlan(null, rows);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Embedding.Dispose();
        foreach (var l in layers) l.Dispose();
        FinalNorm.Dispose();
        LmHead.Dispose();
        outputHead.Dispose();
        rotary.Dispose();
    }
}
