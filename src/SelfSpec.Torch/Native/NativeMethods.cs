// P/Invoke declarations of the libselfspec_torch C ABI, in the order of native/src/*.cpp. Conventions: native/src/shim.h.
#pragma warning disable CS1591
using System.Runtime.InteropServices;

namespace SelfSpec.Torch.Native;

/// <summary>The C ABI of libselfspec_torch (see native/src/shim.h for the conventions).</summary>
internal static unsafe partial class NativeMethods
{
    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_tensor_free(IntPtr t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_dim(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial long st_tensor_numel(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_dtype(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_device_type(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_device_index(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_is_contiguous(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_defined(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial long st_tensor_element_size(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_sizes(TensorHandle t, long* output, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_strides(TensorHandle t, long* output, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial IntPtr st_tensor_data_ptr(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_copy_to(TensorHandle t, void* dst, long nbytes);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_copy_from(TensorHandle t, void* src, long nbytes);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial double st_tensor_item_double(TensorHandle t, int* status);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial long st_tensor_item_long(TensorHandle t, int* status);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tensor_to_string(TensorHandle t, byte* buf, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_empty(long* shape, int nd, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_zeros(long* shape, int nd, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_ones(long* shape, int nd, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_full(long* shape, int nd, double v, long iv, int isInt, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_arange(double start, double end, double step, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_from_data(void* data, long* shape, int nd, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_from_blob(void* data, long* shape, int nd, long* strides, int dtype, delegate* unmanaged[Cdecl]<IntPtr, void> release, IntPtr context);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial IntPtr st_generator_new(int dev, int idx, ulong seed);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_generator_free(IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_generator_set_seed(GeneratorHandle g, ulong seed);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial ulong st_generator_seed(GeneratorHandle g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_generator_get_state(GeneratorHandle g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_generator_set_state(GeneratorHandle g, TensorHandle state);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_randn(long* shape, int nd, IntPtr g, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_rand(long* shape, int nd, IntPtr g, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_randint(long low, long high, long* shape, int nd, IntPtr g, int dtype, int dev, int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_uniform_(TensorHandle t, double from, double to, IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_normal_(TensorHandle t, double mean, double std, IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bernoulli(TensorHandle t, double p, IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_multinomial(TensorHandle t, long n, int replacement, IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_view(TensorHandle t, long* shape, int nd);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_reshape(TensorHandle t, long* shape, int nd);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_expand(TensorHandle t, long* shape, int nd);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_permute(TensorHandle t, long* shape, int nd);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_transpose(TensorHandle t, long a, long b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_narrow(TensorHandle t, long dim, long start, long length);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_slice(TensorHandle t, long dim, long start, long end, long step);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_select(TensorHandle t, long dim, long index);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_squeeze(TensorHandle t, long dim);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_unsqueeze(TensorHandle t, long dim);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_flatten(TensorHandle t, long start, long end);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_contiguous(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_clone(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_alias(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_to(TensorHandle t, int dtype, int dev, int idx, int nonBlocking);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_add(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sub(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_mul(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_div(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_pow(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_maximum(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_minimum(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_eq(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_ne(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_lt(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_le(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_gt(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_ge(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_logical_and(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_logical_or(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bitwise_and(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bitwise_or(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_matmul(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bmm(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_outer(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_add_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sub_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_rsub_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_mul_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_div_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_pow_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_eq_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_ne_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_lt_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_le_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_gt_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_ge_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bitwise_and_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bitwise_right_shift_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_bitwise_left_shift_scalar(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_fill_like(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_clamp(TensorHandle a, double lo, double hi, int hasLo, int hasHi);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_neg(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_abs(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sqrt(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_rsqrt(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_exp(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_log(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sin(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_cos(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_tanh(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sigmoid(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_silu(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_relu(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_square(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_reciprocal(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_logical_not(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_isnan(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_isfinite(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sign(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_floor(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_round(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_where(TensorHandle cond, TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_masked_fill(TensorHandle a, TensorHandle mask, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_tril(TensorHandle a, long diagonal);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_triu(TensorHandle a, long diagonal);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_lerp(TensorHandle a, TensorHandle b, double w);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_add_(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_sub_(TensorHandle a, TensorHandle b, double alpha);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_mul_(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_div_(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_copy_(TensorHandle a, TensorHandle b);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_add_scalar_(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_mul_scalar_(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_fill_(TensorHandle a, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_zero_(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_masked_fill_(TensorHandle a, TensorHandle mask, double v, long iv, int isInt);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_index_copy_(TensorHandle a, long dim, TensorHandle index, TensorHandle src);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_scatter_(TensorHandle a, long dim, TensorHandle index, TensorHandle src);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sum_all(TensorHandle a, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_mean_all(TensorHandle a, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_max_all(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_min_all(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sum(TensorHandle a, long* dims, int nd, int keep, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_mean(TensorHandle a, long* dims, int nd, int keep, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_logsumexp(TensorHandle a, long* dims, int nd, int keep);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_norm(TensorHandle a, double p);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_any(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_all(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_max_dim(TensorHandle a, long dim, int keep, IntPtr* values, IntPtr* indices);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_min_dim(TensorHandle a, long dim, int keep, IntPtr* values, IntPtr* indices);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_argmax(TensorHandle a, long dim, int keep);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_argmax_all(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_argmin(TensorHandle a, long dim, int keep);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_cumsum(TensorHandle a, long dim, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_softmax(TensorHandle a, long dim, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_log_softmax(TensorHandle a, long dim, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_linear(TensorHandle x, TensorHandle w, IntPtr bias);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_linear_rows(TensorHandle x, TensorHandle w, IntPtr bias);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_linear_rows_group(TensorHandle x, int count, IntPtr* weights, IntPtr* biases, IntPtr* outputs);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_kernel_isa();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_set_kernel_isa(int isa);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_kernel_isa_supported(int isa);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_decode_attention(TensorHandle q, TensorHandle k, TensorHandle v, IntPtr blocked, double scale);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_causal_attention(TensorHandle q, TensorHandle k, TensorHandle v, IntPtr blocked, double scale);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_silu_mul(TensorHandle gate, TensorHandle up);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_llama_decode_layer(TensorHandle h, TensorHandle inputNorm, TensorHandle postNorm, double eps, IntPtr* weights, IntPtr* biases,
        TensorHandle cos, TensorHandle sin, TensorHandle cacheK, TensorHandle cacheV, long position, IntPtr blocked, long heads, long kvHeads, long headDim, long intermediate,
        int loraCount, IntPtr* loraA, IntPtr* loraB, double* loraScales, int* loraRows);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tiled_linear_group_lora(TensorHandle x, int count, IntPtr* tiled, long* outFeatures, IntPtr* biases, IntPtr* outputs,
        int loraCount, IntPtr* a, IntPtr* b, double* scales, int* adapterOfRow, long rows);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_lora_update(TensorHandle y, TensorHandle x, int count, IntPtr* a, IntPtr* b, double* scales, int* adapterOfRow, long rows);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_tile_weight(TensorHandle w);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_tiled_linear_group(TensorHandle x, int count, IntPtr* tiled, long* outFeatures, IntPtr* biases, IntPtr* outputs);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_llama_decode_layer_available();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_rms_norm(TensorHandle x, TensorHandle weight, double eps);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_top_p_filter(TensorHandle scores, double topP);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_sample_rows(TensorHandle scores, IntPtr generator);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_rotary_heads_first(TensorHandle x, TensorHandle cos, TensorHandle sin);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_embedding(TensorHandle weight, TensorHandle ids);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_dropout(TensorHandle a, double p, int train);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_cross_entropy(TensorHandle logits, TensorHandle target, long reduction, long ignoreIndex, double smoothing);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_nll_loss(TensorHandle logp, TensorHandle target, long reduction, long ignoreIndex);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_index_select(TensorHandle a, long dim, TensorHandle index);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_gather(TensorHandle a, long dim, TensorHandle index);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_scatter(TensorHandle a, long dim, TensorHandle index, TensorHandle src);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_masked_select(TensorHandle a, TensorHandle mask);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_nonzero(TensorHandle a);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_cat(IntPtr* ts, int n, long dim);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_stack(IntPtr* ts, int n, long dim);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_repeat_interleave(TensorHandle a, long repeats, long dim);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_topk(TensorHandle a, long k, long dim, int largest, int sorted, IntPtr* values, IntPtr* indices);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_sort(TensorHandle a, long dim, int descending, int stable, IntPtr* values, IntPtr* indices);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_argsort(TensorHandle a, long dim, int descending);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_allclose(TensorHandle a, TensorHandle b, double rtol, double atol);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_requires_grad(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_set_requires_grad(TensorHandle t, int on);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_is_leaf(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_detach(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_backward(TensorHandle t, IntPtr grad, int retainGraph);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_grad(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_zero_grad(TensorHandle t);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_set_grad(TensorHandle t, IntPtr g);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_grad_enabled();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_set_grad_enabled(int on);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial double st_clip_grad_norm(IntPtr* ps, int n, double maxNorm, double normType, int* status);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial IntPtr st_adamw_new(IntPtr* ps, int n, double lr, double beta1, double beta2, double eps, double weightDecay, int amsgrad);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_adamw_free(IntPtr s);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_adamw_step(OptimizerHandle s);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_adamw_zero_grad(OptimizerHandle s);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_adamw_set_lr(OptimizerHandle s, double lr);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_adamw_get_state(OptimizerHandle s, int i, long* step, IntPtr* expAvg, IntPtr* expAvgSq);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_adamw_set_state(OptimizerHandle s, int i, long step, TensorHandle expAvg, TensorHandle expAvgSq);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_version(byte* buf, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_build_config(byte* buf, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_parallel_info(byte* buf, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_set_num_threads(int n);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_get_num_threads();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_shim_parallel_threads();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_kernel_pool_set_spin_us(long us);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial long st_kernel_pool_spin_us();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_shim_has_cuda();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_cuda_device_count();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_cuda_device_name(int idx, byte* buf, int capacity);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial long st_cuda_total_memory(int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_cuda_synchronize(int idx);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_cuda_empty_cache();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_manual_seed(ulong seed);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial int st_last_error_kind();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial IntPtr st_last_error_message();

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial void st_clear_error();

}

// quantized.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_dequantize_4bit(TensorHandle packed, TensorHandle absmax, TensorHandle pairTable, long outFeatures, long inFeatures, long block, int dtype);

    [LibraryImport(NativeLibraryLoader.LibraryName)]
    internal static partial TensorHandle st_linear_4bit(TensorHandle x, TensorHandle packed, TensorHandle absmax, TensorHandle pairTable, long outFeatures, long inFeatures, long block, IntPtr bias);
}
