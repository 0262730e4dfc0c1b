using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>How a loss reduces over its elements (libtorch's <c>at::Reduction</c>).</summary>
public enum Reduction
{
    /// <summary>One loss per element.</summary>
    None = 0,
    /// <summary>The mean over the elements that are not ignored.</summary>
    Mean = 1,
    /// <summary>The sum.</summary>
    Sum = 2,
}

/// <summary>Neural-network functions over tensors (PyTorch's <c>torch.nn.functional</c>).</summary>
public static class Functional
{
    /// <summary><c>x · weightᵀ + bias</c>, with <paramref name="weight"/> shaped [out, in] as in PyTorch.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        using var b = new OptionalHandle(bias);
        return Tensor.Wrap(NativeMethods.st_linear(input.Handle, weight.Handle, b.Pointer));
    }

    /// <summary>
    /// <c>x·Wᵀ + b</c> tuned for few rows (token-by-token decoding): each weight row is streamed once and dotted with every
    /// input row, which stays near the memory-bandwidth bound where a BLAS gemm does not. It takes any number of rows (a
    /// gemm would be faster at prefill sizes, but its summation order depends on the number of rows): each output is one dot
    /// product in input-feature order, so a row's result does not depend on the rest of the batch.
    /// <paramref name="weight"/> may be float32 or bfloat16 with float32 input (bf16 is widened on the fly, accumulating in
    /// float32), and the result is float32. Not differentiable: with autograd in play, other dtypes or devices, or a CPU
    /// without AVX2, it falls back to <see cref="Linear"/> (converting a bf16 weight to the input's dtype).
    /// </summary>
    public static Tensor LinearRows(Tensor input, Tensor weight, Tensor? bias = null)
    {
        using var b = new OptionalHandle(bias);
        return Tensor.Wrap(NativeMethods.st_linear_rows(input.Handle, weight.Handle, b.Pointer));
    }

    /// <summary>
    /// <see cref="LinearRows(Tensor, Tensor, Tensor?)"/> for several weights applied to the same input (a layer's q/k/v or
    /// gate/up projections): returns <c>input · weights[i]ᵀ + biases[i]</c> for each i, equal bit for bit to separate
    /// calls. Where the streaming kernel applies to all of them (same weight dtype, at most 8 weights) they run in one
    /// parallel region, sparing the thread wake-up that each separate call costs; otherwise each goes its own way.
    /// </summary>
    /// <param name="input">[..., in] float32 input shared by every weight.</param>
    /// <param name="weights">[out_i, in] weights.</param>
    /// <param name="biases">[out_i] biases, or null entries (or a null list) for none.</param>
    public static unsafe Tensor[] LinearRows(Tensor input, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?>? biases = null)
    {
        using var b = GroupBiases(weights, biases);
        using var w = new HandleList(weights);
        var outputs = new IntPtr[weights.Count];
        int status;
        fixed (IntPtr* wp = w.Pointers, bp = b.Pointers, op = outputs)
            status = NativeMethods.st_linear_rows_group(input.Handle, weights.Count, wp, bp, op);
        Check.Status(status);
        return outputs.Select(Tensor.Adopt).ToArray();
    }

    /// <summary>
    /// The biases of a group of weights (<see cref="LinearRows(Tensor, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/>,
    /// <see cref="TiledLinear"/>) as native pointers, one per weight (null list: none), after checking the group.
    /// </summary>
    private static OptionalHandleList GroupBiases<TWeight>(IReadOnlyList<TWeight> weights, IReadOnlyList<Tensor?>? biases)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0) throw new ArgumentException("at least one weight expected", nameof(weights));
        if (biases != null && biases.Count != weights.Count)
            throw new ArgumentException($"{biases.Count} biases for {weights.Count} weights", nameof(biases));
        return new OptionalHandleList(biases ?? new Tensor?[weights.Count]);
    }

    /// <summary>
    /// The instruction set of the native SIMD kernels (<see cref="LinearRows(Tensor, Tensor, Tensor?)"/>,
    /// <see cref="TiledLinear"/>, <see cref="RmsNorm"/>, the fused decode layer). By default the CPU's best: AVX-512
    /// (F/BW/VL) where present, else AVX2; the environment variable <c>SELFSPEC_KERNEL_ISA</c> (<c>avx2</c>, <c>avx512</c>,
    /// <c>auto</c>) chooses at start-up, this property at run time (process-wide; set it only while no forward pass runs).
    /// The two ISAs give different bits (16 against 8 lanes per accumulator); within one, every result is independent of the
    /// batch. Reading it gives the ISA in use (<see cref="KernelIsa.Plain"/> on a CPU without AVX2); setting
    /// <see cref="KernelIsa.Auto"/> returns to the CPU's best.
    /// </summary>
    /// <exception cref="TorchException">Setting an ISA this CPU lacks (see <see cref="KernelIsaSupported"/>), or reading
    /// it when <c>SELFSPEC_KERNEL_ISA</c> names an unknown or missing ISA.</exception>
    public static KernelIsa KernelIsa
    {
        get
        {
            var isa = NativeMethods.st_kernel_isa();
            if (isa < 0) Check.Status(isa);
            return (KernelIsa)isa;
        }
        set => Check.Status(NativeMethods.st_set_kernel_isa((int)value));
    }

    /// <summary>Whether this CPU runs the kernels of <paramref name="isa"/> (<see cref="KernelIsa.Avx2"/> needs AVX2 and FMA, <see cref="KernelIsa.Avx512"/> AVX-512F/BW/VL too).</summary>
    public static bool KernelIsaSupported(KernelIsa isa) => NativeMethods.st_kernel_isa_supported((int)isa) != 0;

    /// <summary>
    /// Attention of a single new query position over cached keys and values, fused (scores, softmax and weighted sum in one
    /// pass per row and head, parallel over them): <paramref name="query"/> [B, Hq, D], <paramref name="keys"/> and
    /// <paramref name="values"/> [B, Hkv, L, D] (strided views of a cache are fine), query head h using KV head h / (Hq / Hkv).
    /// <paramref name="blocked"/> ([B, L] bool, optional) marks keys not to attend; a row with every key blocked averages all
    /// values. float32 on the CPU, no autograd. Returns [B, Hq, D].
    /// </summary>
    public static Tensor DecodeAttention(Tensor query, Tensor keys, Tensor values, Tensor? blocked, double scale)
    {
        using var b = new OptionalHandle(blocked);
        return Tensor.Wrap(NativeMethods.st_decode_attention(query.Handle, keys.Handle, values.Handle, b.Pointer, scale));
    }

    /// <summary>
    /// Causal attention of T new query positions per row (a prefill): <paramref name="query"/> [B, Hq, T, D] holds the last
    /// T of the L positions of <paramref name="keys"/> and <paramref name="values"/> [B, Hkv, L, D] (views of a cache are
    /// fine); query t attends the positions 0 .. L − T + t that <paramref name="blocked"/> ([B, L] bool, optional: padding)
    /// does not block. Only the attended keys enter its sums, counted from the first, so a query's output does not depend on
    /// the padding, on T or on the other rows, and equals what <see cref="DecodeAttention"/> gives for it at its position.
    /// float32 on the CPU, no autograd. Returns [B, Hq, T, D].
    /// </summary>
    public static Tensor CausalAttention(Tensor query, Tensor keys, Tensor values, Tensor? blocked, double scale)
    {
        using var b = new OptionalHandle(blocked);
        return Tensor.Wrap(NativeMethods.st_causal_attention(query.Handle, keys.Handle, values.Handle, b.Pointer, scale));
    }

    /// <summary>
    /// <c>SiLU(gate) · up</c> elementwise (the SwiGLU product), float32 on the CPU, as the fused decode layer computes it:
    /// every element by the same vector code, so its bits do not depend on the tensor's size (libtorch's SiLU takes a
    /// scalar path for the elements after its last whole vector). Inference only. Returns a new tensor.
    /// </summary>
    public static Tensor SiluMul(Tensor gate, Tensor up) => Tensor.Wrap(NativeMethods.st_silu_mul(gate.Handle, up.Handle));

    /// <summary>
    /// <c>input · Wᵢᵀ + biases[i]</c> for tiled weights (<see cref="TiledWeight"/>) applied to the same input (float32, on
    /// the CPU, any number of rows: a decode step's few or a prefill's many), the group in one parallel region. Each output
    /// is accumulated in input-feature order whatever the number of rows or threads, so a row's result does not depend on
    /// the rest of the batch. Inference only.
    /// </summary>
    /// <param name="input">[..., in] float32 input shared by every weight.</param>
    /// <param name="weights">Up to 8 tiled weights, all of one dtype (float32 or bfloat16).</param>
    /// <param name="biases">[out_i] float32 biases, or null entries (or a null list) for none.</param>
    /// <exception cref="TorchException">An input with no rows, a weight that does not fit the input, autograd in play.</exception>
    public static unsafe Tensor[] TiledLinear(Tensor input, IReadOnlyList<TiledWeight> weights, IReadOnlyList<Tensor?>? biases = null)
    {
        using var b = GroupBiases(weights, biases);
        using var w = new HandleList(weights.Select(t => t.Tiles).ToArray());
        var outFeatures = weights.Select(t => t.OutFeatures).ToArray();
        var outputs = new IntPtr[weights.Count];
        int status;
        fixed (IntPtr* wp = w.Pointers, bp = b.Pointers, op = outputs)
        fixed (long* np = outFeatures)
            status = NativeMethods.st_tiled_linear_group(input.Handle, weights.Count, wp, np, bp, op);
        Check.Status(status);
        return outputs.Select(Tensor.Adopt).ToArray();
    }

    /// <summary>
    /// <see cref="TiledLinear"/> with each row's LoRA update
    /// added to every output: <c>output_i[r] += s_a · (input[r]·A_aᵀ)·B_aᵀ</c> with a = <paramref name="adapterOfRow"/>[r]
    /// (rows of the first dimension, all their positions; −1 or an adapter that does not adapt the weight: nothing), the
    /// same bits <see cref="AddLowRank"/> gives after <see cref="TiledLinear"/>,
    /// in the same parallel region as the projections instead of separate passes (the fused decode layer does the same).
    /// Inference only.
    /// </summary>
    /// <param name="input">[rows, ..., in] float32 input shared by every weight.</param>
    /// <param name="weights">Up to 8 tiled weights, all of one dtype (float32 or bfloat16).</param>
    /// <param name="biases">[out_i] float32 biases, or null entries (or a null list) for none.</param>
    /// <param name="adapters">The adapters' matrices.</param>
    /// <param name="projections">For each weight, which of <paramref name="adapters"/>' projections it is.</param>
    /// <param name="adapterOfRow">Each row's adapter index, −1 for none.</param>
    /// <exception cref="TorchException">A shape, dtype or device does not fit, an index is out of range, or autograd is in play; the message says which.</exception>
    public static unsafe Tensor[] TiledLinearWithAdapters(Tensor input, IReadOnlyList<TiledWeight> weights, IReadOnlyList<Tensor?>? biases, LowRankAdapters adapters,
        IReadOnlyList<int> projections, ReadOnlySpan<int> adapterOfRow)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(projections);
        using var b = GroupBiases(weights, biases);
        if (projections.Count != weights.Count)
            throw new ArgumentException($"{projections.Count} projections for {weights.Count} weights", nameof(projections));
        foreach (var p in projections)
            if (p < 0 || p >= adapters.Projections)
                throw new ArgumentOutOfRangeException(nameof(projections), $"projection {p}; the adapters hold {adapters.Projections}");
        using var w = new HandleList(weights.Select(t => t.Tiles).ToArray());
        using var la = new OptionalHandleList(projections.SelectMany(adapters.ProjectionA).ToArray());
        using var lb = new OptionalHandleList(projections.SelectMany(adapters.ProjectionB).ToArray());
        var outFeatures = weights.Select(t => t.OutFeatures).ToArray();
        var outputs = new IntPtr[weights.Count];
        int status;
        fixed (IntPtr* wp = w.Pointers, bp = b.Pointers, op = outputs, ap = la.Pointers, lbp = lb.Pointers)
        fixed (long* np = outFeatures)
        fixed (double* sp = adapters.Scales)
        fixed (int* rp = adapterOfRow)
            status = NativeMethods.st_tiled_linear_group_lora(input.Handle, weights.Count, wp, np, bp, op, adapters.Count, ap, lbp, sp, rp, adapterOfRow.Length);
        Check.Status(status);
        return outputs.Select(Tensor.Adopt).ToArray();
    }

    /// <summary>
    /// One Llama decoder layer for a decode step (one new token per row), in a single native call: RMSNorm, the q/k/v
    /// projections, rotary embedding, the key and value written into the cache at <paramref name="position"/>, attention
    /// over positions 0..<paramref name="position"/>, the output projection and residual, RMSNorm, the SwiGLU MLP and
    /// residual. <paramref name="hidden"/> ([B, H] or [B, 1, H], float32, contiguous, B ≤ 32) is updated in place to the
    /// layer's output. The norms, rotary and attention run the kernels of <see cref="RmsNorm"/>,
    /// <see cref="RotaryHeadsFirst"/> and <see cref="DecodeAttention"/>, the projections that of <see cref="TiledLinear"/>;
    /// SiLU is computed here (a few ulp from libtorch's). Inference only (no autograd), on a CPU where
    /// <see cref="LlamaDecodeLayerAvailable"/>.
    /// </summary>
    /// <param name="hidden">The residual stream, updated in place.</param>
    /// <param name="inputNorm">input_layernorm weight [H], float32.</param>
    /// <param name="postAttentionNorm">post_attention_layernorm weight [H], float32.</param>
    /// <param name="eps">RMSNorm epsilon.</param>
    /// <param name="weights">The seven projections q, k, v, o, gate, up, down, tiled, all float32 or all bfloat16.</param>
    /// <param name="biases">Seven float32 biases or nulls (Qwen2 has q/k/v biases).</param>
    /// <param name="cos">Rotary cosines for each row's position, [B, head_dim] (e.g. [B, 1, 1, head_dim]).</param>
    /// <param name="sin">Rotary sines, shaped like <paramref name="cos"/>.</param>
    /// <param name="keyCache">The layer's key cache [B, kv heads, capacity, head_dim].</param>
    /// <param name="valueCache">The layer's value cache, shaped like <paramref name="keyCache"/>.</param>
    /// <param name="position">The cache position this token's key and value go to (the number of positions before it).</param>
    /// <param name="blocked">[B, position + 1] bool, true for padding keys not to attend; null for none.</param>
    /// <param name="heads">Query heads.</param>
    /// <param name="keyValueHeads">Key/value heads (grouped-query attention when fewer than <paramref name="heads"/>).</param>
    /// <param name="adapters">
    /// LoRA adapters applied unmerged, per row: the seven projections' matrices of each adapter (null: none). Each group of
    /// projections gets its rows' updates right after it, computed as <see cref="AddLowRank"/> computes them, so a row's
    /// bits are those of the op-by-op pass with the same update, and a row without an adapter is untouched by the others.
    /// </param>
    /// <param name="adapterOfRow">With <paramref name="adapters"/>: each row's adapter index, −1 for none (B entries).</param>
    /// <exception cref="TorchException">A shape, dtype or device does not fit, or an adapter index is out of range; the message names the tensor.</exception>
    public static unsafe void LlamaDecodeLayer(Tensor hidden, Tensor inputNorm, Tensor postAttentionNorm, double eps, IReadOnlyList<TiledWeight> weights,
        IReadOnlyList<Tensor?> biases, Tensor cos, Tensor sin, Tensor keyCache, Tensor valueCache, long position, Tensor? blocked, int heads, int keyValueHeads,
        LowRankAdapters? adapters = null, ReadOnlySpan<int> adapterOfRow = default)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        if (weights.Count != 7 || biases.Count != 7)
            throw new ArgumentException($"seven weights and seven biases (q, k, v, o, gate, up, down) expected, got {weights.Count} and {biases.Count}");
        if (heads < 1 || weights[0].OutFeatures % heads != 0)
            throw new ArgumentException($"q_proj's {weights[0].OutFeatures} outputs do not divide into {heads} heads", nameof(heads));
        var loraCount = CheckAdapterRows(adapters, adapterOfRow, hidden.Size(0), 7);
        using var w = new HandleList(weights.Select(t => t.Tiles).ToArray());
        using var b = new OptionalHandleList(biases);
        using var mask = new OptionalHandle(blocked);
        using var la = new OptionalHandleList(adapters?.AllA ?? []);
        using var lb = new OptionalHandleList(adapters?.AllB ?? []);
        int status;
        fixed (IntPtr* wp = w.Pointers, bp = b.Pointers, lap = la.Pointers, lbp = lb.Pointers)
        fixed (double* sp = adapters?.Scales)
        fixed (int* rp = adapterOfRow)
            status = NativeMethods.st_llama_decode_layer(hidden.Handle, inputNorm.Handle, postAttentionNorm.Handle, eps, wp, bp, cos.Handle, sin.Handle,
                keyCache.Handle, valueCache.Handle, position, mask.Pointer, heads, keyValueHeads, weights[0].OutFeatures / heads, weights[4].OutFeatures,
                loraCount, lap, lbp, sp, rp);
        Check.Status(status);
    }

    /// <summary>
    /// Adds each row's LoRA update to a projection's output in place: <c>output[r] += s_i · (input[r]·A_iᵀ)·B_iᵀ</c> with
    /// i = <paramref name="adapterOfRow"/>[r] (rows of the first dimension, all their positions; −1 or an adapter that does
    /// not adapt <paramref name="projection"/>: nothing). Every output is computed the same way whatever the other rows,
    /// their adapters, the thread count or the kernel ISA (AVX2 code on both), and as the fused decode layer
    /// (<see cref="LlamaDecodeLayer"/>) computes it. float32 on a CPU with AVX2 and FMA, inference only.
    /// </summary>
    /// <param name="output">[rows, ..., out] float32, contiguous: the projection's output, updated.</param>
    /// <param name="input">[rows, ..., in] float32: the projection's input.</param>
    /// <param name="adapters">The adapters' matrices.</param>
    /// <param name="projection">Which of <paramref name="adapters"/>' projections this is.</param>
    /// <param name="adapterOfRow">Each row's adapter index, −1 for none.</param>
    /// <exception cref="TorchException">A shape, dtype or device does not fit, an index is out of range, or autograd is in play; the message says which.</exception>
    public static unsafe void AddLowRank(Tensor output, Tensor input, LowRankAdapters adapters, int projection, ReadOnlySpan<int> adapterOfRow)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentOutOfRangeException.ThrowIfNegative(projection);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(projection, adapters.Projections);
        using var a = new OptionalHandleList(adapters.ProjectionA(projection));
        using var b = new OptionalHandleList(adapters.ProjectionB(projection));
        int status;
        fixed (IntPtr* ap = a.Pointers, bp = b.Pointers)
        fixed (double* sp = adapters.Scales)
        fixed (int* rp = adapterOfRow)
            status = NativeMethods.st_lora_update(output.Handle, input.Handle, adapters.Count, ap, bp, sp, rp, adapterOfRow.Length);
        Check.Status(status);
    }

    /// <summary>The number of adapters to pass natively, after checking that the rows' indices cover the batch.</summary>
    private static int CheckAdapterRows(LowRankAdapters? adapters, ReadOnlySpan<int> adapterOfRow, long rows, int projections)
    {
        if (adapters == null || adapters.Count == 0) return 0;
        if (adapters.Projections != projections)
            throw new ArgumentException($"the adapters hold {adapters.Projections} projections; {projections} expected", nameof(adapters));
        if (adapterOfRow.Length != rows)
            throw new ArgumentException($"{adapterOfRow.Length} adapter indices for {rows} rows", nameof(adapterOfRow));
        return adapters.Count;
    }

    /// <summary>Whether <see cref="LlamaDecodeLayer"/> and <see cref="TiledLinear"/> can run here (a CPU with AVX2 and FMA).</summary>
    public static bool LlamaDecodeLayerAvailable => NativeMethods.st_llama_decode_layer_available() != 0;

    /// <summary>
    /// Top-p (nucleus) filtering as Hugging Face's <c>TopPLogitsWarper</c> does it (min_tokens_to_keep 1): per row of
    /// <paramref name="scores"/> ([..., vocab], float32, on the CPU), the least likely tokens whose ascending cumulative
    /// softmax probability is ≤ 1 − <paramref name="topP"/> become −∞, never the most likely one; ties order by index, as
    /// a stable sort does. Found in linear time (a histogram of the tokens near the threshold) rather than by sorting
    /// the vocabulary. Returns a new tensor. Inference only.
    /// </summary>
    /// <exception cref="TorchException">Not float32 on the CPU, or <paramref name="topP"/> outside (0, 1].</exception>
    public static Tensor TopPFilter(Tensor scores, double topP) => Tensor.Wrap(NativeMethods.st_top_p_filter(scores.Handle, topP));

    /// <summary>
    /// One index per row of <paramref name="scores"/> ([..., vocab], float32, on the CPU) drawn from softmax(scores): a
    /// single uniform number per row from <paramref name="generator"/> (rows in order; libtorch's default generator when
    /// null) and a walk along the running sum of exp(score − max), where <see cref="Tensor.Multinomial"/> draws a random
    /// number per token. The same seed gives the same draws. −∞ scores are never drawn. Returns int64 [...].
    /// </summary>
    /// <exception cref="TorchException">Not float32 on the CPU; a row whose every score is −∞, or with a NaN score (the message names the row).</exception>
    public static Tensor SampleRows(Tensor scores, Generator? generator = null) =>
        Tensor.Wrap(NativeMethods.st_sample_rows(scores.Handle, Generator.Raw(generator)));

    /// <summary>
    /// RMSNorm in one pass: <c>x / sqrt(mean(x², last dim) + eps) · weight</c>, <paramref name="input"/> [..., H] and
    /// <paramref name="weight"/> [H] float32 on the CPU. Not differentiable (inference).
    /// </summary>
    public static Tensor RmsNorm(Tensor input, Tensor weight, double eps) =>
        Tensor.Wrap(NativeMethods.st_rms_norm(input.Handle, weight.Handle, eps));

    /// <summary>
    /// Rotate-half rotary position embedding, written head-major: <paramref name="input"/> [B, T, H, D] becomes
    /// [B, H, T, D] = x·cos + rotate_half(x)·sin with rotate_half(x) = [−x[D/2:], x[:D/2]]; <paramref name="cos"/> and
    /// <paramref name="sin"/> broadcast to [B, T, D] (e.g. [B or 1, T, 1, D]). float32 on the CPU, not differentiable.
    /// </summary>
    public static Tensor RotaryHeadsFirst(Tensor input, Tensor cos, Tensor sin) =>
        Tensor.Wrap(NativeMethods.st_rotary_heads_first(input.Handle, cos.Handle, sin.Handle));

    /// <summary>Rows of <paramref name="weight"/> picked by the token ids in <paramref name="ids"/>.</summary>
    public static Tensor Embedding(Tensor weight, Tensor ids) => Tensor.Wrap(NativeMethods.st_embedding(weight.Handle, ids.Handle));

    /// <summary>Cross-entropy of logits [N, C] against class indices [N]; targets equal to <paramref name="ignoreIndex"/> do not count.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0) =>
        Tensor.Wrap(NativeMethods.st_cross_entropy(logits.Handle, target.Handle, (long)reduction, ignoreIndex, labelSmoothing));

    /// <summary>Negative log-likelihood of log-probabilities [N, C] against class indices [N].</summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor target, Reduction reduction = Reduction.Mean, long ignoreIndex = -100) =>
        Tensor.Wrap(NativeMethods.st_nll_loss(logProbs.Handle, target.Handle, (long)reduction, ignoreIndex));

    /// <summary>Dropout with libtorch's default generator (identity when <paramref name="training"/> is false).</summary>
    public static Tensor Dropout(Tensor input, double p, bool training) => Tensor.Wrap(NativeMethods.st_dropout(input.Handle, p, training ? 1 : 0));

    /// <summary>Scales gradients so their global norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static unsafe double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm, double normType = 2)
    {
        using var list = new HandleList(parameters);
        int status;
        double norm;
        fixed (IntPtr* p = list.Pointers) norm = NativeMethods.st_clip_grad_norm(p, parameters.Count, maxNorm, normType, &status);
        Check.Status(status);
        return norm;
    }
}
