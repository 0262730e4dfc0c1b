using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

public sealed partial class Tensor
{
    // ---- arithmetic with broadcasting -----------------------------------------------------------

    /// <summary><c>this + alpha * other</c>.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Wrap(NativeMethods.st_add(Handle, other.Handle, alpha));
    /// <summary><c>this - alpha * other</c>.</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => Wrap(NativeMethods.st_sub(Handle, other.Handle, alpha));
    /// <summary>Element-wise product.</summary>
    public Tensor Mul(Tensor other) => Wrap(NativeMethods.st_mul(Handle, other.Handle));
    /// <summary>Element-wise true division.</summary>
    public Tensor Div(Tensor other) => Wrap(NativeMethods.st_div(Handle, other.Handle));
    /// <summary>Element-wise power.</summary>
    public Tensor Pow(Tensor exponent) => Wrap(NativeMethods.st_pow(Handle, exponent.Handle));
    /// <summary>Element-wise maximum.</summary>
    public Tensor Maximum(Tensor other) => Wrap(NativeMethods.st_maximum(Handle, other.Handle));
    /// <summary>Element-wise minimum.</summary>
    public Tensor Minimum(Tensor other) => Wrap(NativeMethods.st_minimum(Handle, other.Handle));

    /// <summary><c>this + s</c>.</summary>
    public Tensor Add(Scalar s) => Wrap(NativeMethods.st_add_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary><c>this - s</c>.</summary>
    public Tensor Sub(Scalar s) => Wrap(NativeMethods.st_sub_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary><c>s - this</c>.</summary>
    public Tensor RSub(Scalar s) => Wrap(NativeMethods.st_rsub_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary><c>this * s</c>.</summary>
    public Tensor Mul(Scalar s) => Wrap(NativeMethods.st_mul_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary><c>this / s</c>.</summary>
    public Tensor Div(Scalar s) => Wrap(NativeMethods.st_div_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary><c>this ^ s</c>.</summary>
    public Tensor Pow(Scalar s) => Wrap(NativeMethods.st_pow_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>A tensor shaped like this one filled with <paramref name="s"/>.</summary>
    public Tensor FullLike(Scalar s) => Wrap(NativeMethods.st_fill_like(Handle, s.Value, s.IntValue, s.Kind));

    /// <summary>Clamps into [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        Wrap(NativeMethods.st_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0));

    /// <summary><c>-this</c>.</summary>
    public Tensor Neg() => Wrap(NativeMethods.st_neg(Handle));
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => Wrap(NativeMethods.st_abs(Handle));
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Wrap(NativeMethods.st_sqrt(Handle));
    /// <summary>Reciprocal square root.</summary>
    public Tensor Rsqrt() => Wrap(NativeMethods.st_rsqrt(Handle));
    /// <summary>e^x.</summary>
    public Tensor Exp() => Wrap(NativeMethods.st_exp(Handle));
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Wrap(NativeMethods.st_log(Handle));
    /// <summary>Sine.</summary>
    public Tensor Sin() => Wrap(NativeMethods.st_sin(Handle));
    /// <summary>Cosine.</summary>
    public Tensor Cos() => Wrap(NativeMethods.st_cos(Handle));
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Wrap(NativeMethods.st_tanh(Handle));
    /// <summary>Logistic sigmoid.</summary>
    public Tensor Sigmoid() => Wrap(NativeMethods.st_sigmoid(Handle));
    /// <summary>SiLU (x·sigmoid(x)), the activation of SwiGLU.</summary>
    public Tensor Silu() => Wrap(NativeMethods.st_silu(Handle));
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Wrap(NativeMethods.st_relu(Handle));
    /// <summary>x².</summary>
    public Tensor Square() => Wrap(NativeMethods.st_square(Handle));
    /// <summary>1/x.</summary>
    public Tensor Reciprocal() => Wrap(NativeMethods.st_reciprocal(Handle));
    /// <summary>Sign (-1, 0, 1).</summary>
    public Tensor Sign() => Wrap(NativeMethods.st_sign(Handle));
    /// <summary>Round down.</summary>
    public Tensor Floor() => Wrap(NativeMethods.st_floor(Handle));
    /// <summary>Round half to even.</summary>
    public Tensor Round() => Wrap(NativeMethods.st_round(Handle));
    /// <summary>Linear interpolation <c>this + weight·(end − this)</c>.</summary>
    public Tensor Lerp(Tensor end, double weight) => Wrap(NativeMethods.st_lerp(Handle, end.Handle, weight));

    // ---- comparison and logic ---------------------------------------------------------------------

    /// <summary>Element-wise ==.</summary>
    public Tensor Eq(Tensor other) => Wrap(NativeMethods.st_eq(Handle, other.Handle));
    /// <summary>Element-wise !=.</summary>
    public Tensor Ne(Tensor other) => Wrap(NativeMethods.st_ne(Handle, other.Handle));
    /// <summary>Element-wise &lt;.</summary>
    public Tensor Lt(Tensor other) => Wrap(NativeMethods.st_lt(Handle, other.Handle));
    /// <summary>Element-wise &lt;=.</summary>
    public Tensor Le(Tensor other) => Wrap(NativeMethods.st_le(Handle, other.Handle));
    /// <summary>Element-wise &gt;.</summary>
    public Tensor Gt(Tensor other) => Wrap(NativeMethods.st_gt(Handle, other.Handle));
    /// <summary>Element-wise &gt;=.</summary>
    public Tensor Ge(Tensor other) => Wrap(NativeMethods.st_ge(Handle, other.Handle));
    /// <summary>Element-wise == scalar.</summary>
    public Tensor Eq(Scalar s) => Wrap(NativeMethods.st_eq_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise != scalar.</summary>
    public Tensor Ne(Scalar s) => Wrap(NativeMethods.st_ne_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise &lt; scalar.</summary>
    public Tensor Lt(Scalar s) => Wrap(NativeMethods.st_lt_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise &lt;= scalar.</summary>
    public Tensor Le(Scalar s) => Wrap(NativeMethods.st_le_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise &gt; scalar.</summary>
    public Tensor Gt(Scalar s) => Wrap(NativeMethods.st_gt_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise &gt;= scalar.</summary>
    public Tensor Ge(Scalar s) => Wrap(NativeMethods.st_ge_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise logical and.</summary>
    public Tensor LogicalAnd(Tensor other) => Wrap(NativeMethods.st_logical_and(Handle, other.Handle));
    /// <summary>Element-wise logical or.</summary>
    public Tensor LogicalOr(Tensor other) => Wrap(NativeMethods.st_logical_or(Handle, other.Handle));
    /// <summary>Element-wise logical not.</summary>
    public Tensor LogicalNot() => Wrap(NativeMethods.st_logical_not(Handle));
    /// <summary>Element-wise bitwise and.</summary>
    public Tensor BitwiseAnd(Tensor other) => Wrap(NativeMethods.st_bitwise_and(Handle, other.Handle));
    /// <summary>Element-wise bitwise or.</summary>
    public Tensor BitwiseOr(Tensor other) => Wrap(NativeMethods.st_bitwise_or(Handle, other.Handle));
    /// <summary>Element-wise bitwise and with a scalar.</summary>
    public Tensor BitwiseAnd(Scalar s) => Wrap(NativeMethods.st_bitwise_and_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise right shift.</summary>
    public Tensor ShiftRight(Scalar s) => Wrap(NativeMethods.st_bitwise_right_shift_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>Element-wise left shift.</summary>
    public Tensor ShiftLeft(Scalar s) => Wrap(NativeMethods.st_bitwise_left_shift_scalar(Handle, s.Value, s.IntValue, s.Kind));
    /// <summary>True where the value is NaN.</summary>
    public Tensor IsNan() => Wrap(NativeMethods.st_isnan(Handle));
    /// <summary>True where the value is finite.</summary>
    public Tensor IsFinite() => Wrap(NativeMethods.st_isfinite(Handle));
    /// <summary>True if any element is non-zero (a 0-d bool tensor).</summary>
    public Tensor Any() => Wrap(NativeMethods.st_any(Handle));
    /// <summary>True if all elements are non-zero (a 0-d bool tensor).</summary>
    public Tensor All() => Wrap(NativeMethods.st_all(Handle));
    /// <summary>Whether every element is within <c>atol + rtol·|other|</c> of <paramref name="other"/>.</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        var r = NativeMethods.st_allclose(Handle, other.Handle, rtol, atol);
        if (r < 0) throw Check.LastError();
        return r == 1;
    }

    /// <summary>Picks from <paramref name="ifTrue"/> where <paramref name="condition"/> holds, else from <paramref name="ifFalse"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor ifTrue, Tensor ifFalse) =>
        Wrap(NativeMethods.st_where(condition.Handle, ifTrue.Handle, ifFalse.Handle));

    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill(Tensor mask, Scalar value) => Wrap(NativeMethods.st_masked_fill(Handle, mask.Handle, value.Value, value.IntValue, value.Kind));
    /// <summary>The lower triangle (entries above diagonal <paramref name="diagonal"/> zeroed).</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(NativeMethods.st_tril(Handle, diagonal));
    /// <summary>The upper triangle (entries below diagonal <paramref name="diagonal"/> zeroed).</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(NativeMethods.st_triu(Handle, diagonal));

    // ---- linear algebra ------------------------------------------------------------------------

    /// <summary>Matrix product with NumPy broadcasting rules.</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeMethods.st_matmul(Handle, other.Handle));
    /// <summary>Batched matrix product of 3-d tensors.</summary>
    public Tensor Bmm(Tensor other) => Wrap(NativeMethods.st_bmm(Handle, other.Handle));
    /// <summary>Outer product of two vectors.</summary>
    public Tensor Outer(Tensor other) => Wrap(NativeMethods.st_outer(Handle, other.Handle));

    // ---- reductions ----------------------------------------------------------------------------

    // No dtype parameter on the whole-tensor reductions: a literal 0 would silently bind to it as an enum.

    /// <summary>Sum of all elements.</summary>
    public Tensor Sum() => Wrap(NativeMethods.st_sum_all(Handle, -1));
    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => Wrap(NativeMethods.st_mean_all(Handle, -1));
    /// <summary>Largest element.</summary>
    public Tensor Max() => Wrap(NativeMethods.st_max_all(Handle));
    /// <summary>Smallest element.</summary>
    public Tensor Min() => Wrap(NativeMethods.st_min_all(Handle));

    /// <summary>Sum over <paramref name="dims"/>.</summary>
    public unsafe Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false, DType? dtype = null)
    {
        fixed (long* d = dims) return Wrap(NativeMethods.st_sum(Handle, d, dims.Length, keepDim ? 1 : 0, dtype.HasValue ? (int)dtype.Value : -1));
    }

    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean over <paramref name="dims"/>.</summary>
    public unsafe Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false, DType? dtype = null)
    {
        fixed (long* d = dims) return Wrap(NativeMethods.st_mean(Handle, d, dims.Length, keepDim ? 1 : 0, dtype.HasValue ? (int)dtype.Value : -1));
    }

    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>log(sum(exp(x))) over <paramref name="dims"/>, computed stably.</summary>
    public unsafe Tensor LogSumExp(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeMethods.st_logsumexp(Handle, d, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>log(sum(exp(x))) over one dimension.</summary>
    public Tensor LogSumExp(long dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>The p-norm of all elements.</summary>
    public Tensor Norm(double p = 2) => Wrap(NativeMethods.st_norm(Handle, p));

    /// <summary>Largest values and their indices along <paramref name="dim"/>.</summary>
    public unsafe (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        IntPtr v, i;
        Check.Status(NativeMethods.st_max_dim(Handle, dim, keepDim ? 1 : 0, &v, &i));
        return (Adopt(v), Adopt(i));
    }

    /// <summary>Smallest values and their indices along <paramref name="dim"/>.</summary>
    public unsafe (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        IntPtr v, i;
        Check.Status(NativeMethods.st_min_dim(Handle, dim, keepDim ? 1 : 0, &v, &i));
        return (Adopt(v), Adopt(i));
    }

    /// <summary>Index of the largest value along <paramref name="dim"/> (first one on ties).</summary>
    public Tensor ArgMax(long dim, bool keepDim = false) => Wrap(NativeMethods.st_argmax(Handle, dim, keepDim ? 1 : 0));
    /// <summary>Flat index of the largest value.</summary>
    public Tensor ArgMax() => Wrap(NativeMethods.st_argmax_all(Handle));
    /// <summary>Index of the smallest value along <paramref name="dim"/>.</summary>
    public Tensor ArgMin(long dim, bool keepDim = false) => Wrap(NativeMethods.st_argmin(Handle, dim, keepDim ? 1 : 0));
    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public Tensor CumSum(long dim, DType? dtype = null) => Wrap(NativeMethods.st_cumsum(Handle, dim, dtype.HasValue ? (int)dtype.Value : -1));
    /// <summary>Softmax along <paramref name="dim"/> (optionally computed in <paramref name="dtype"/>).</summary>
    public Tensor Softmax(long dim, DType? dtype = null) => Wrap(NativeMethods.st_softmax(Handle, dim, dtype.HasValue ? (int)dtype.Value : -1));
    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public Tensor LogSoftmax(long dim, DType? dtype = null) => Wrap(NativeMethods.st_log_softmax(Handle, dim, dtype.HasValue ? (int)dtype.Value : -1));

    // ---- indexing, joining, sorting ---------------------------------------------------------------

    /// <summary>Entries of <paramref name="dim"/> picked by an int64 index vector.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => Wrap(NativeMethods.st_index_select(Handle, dim, index.Handle));
    /// <summary>Values gathered along <paramref name="dim"/> at <paramref name="index"/>.</summary>
    public Tensor Gather(long dim, Tensor index) => Wrap(NativeMethods.st_gather(Handle, dim, index.Handle));
    /// <summary>A copy with <paramref name="source"/> written along <paramref name="dim"/> at <paramref name="index"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source) => Wrap(NativeMethods.st_scatter(Handle, dim, index.Handle, source.Handle));
    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-d tensor.</summary>
    public Tensor MaskedSelect(Tensor mask) => Wrap(NativeMethods.st_masked_select(Handle, mask.Handle));
    /// <summary>Indices of the non-zero elements, one row per element.</summary>
    public Tensor NonZero() => Wrap(NativeMethods.st_nonzero(Handle));
    /// <summary>Each entry of <paramref name="dim"/> repeated <paramref name="repeats"/> times.</summary>
    public Tensor RepeatInterleave(long repeats, long dim) => Wrap(NativeMethods.st_repeat_interleave(Handle, repeats, dim));

    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/> and their indices.</summary>
    public unsafe (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        IntPtr v, i;
        Check.Status(NativeMethods.st_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, &v, &i));
        return (Adopt(v), Adopt(i));
    }

    /// <summary>
    /// Sorted values along <paramref name="dim"/> and the permutation that sorts them; <paramref name="stable"/> keeps
    /// equal values in their original order.
    /// </summary>
    public unsafe (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false, bool stable = false)
    {
        IntPtr v, i;
        Check.Status(NativeMethods.st_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, &v, &i));
        return (Adopt(v), Adopt(i));
    }

    /// <summary>The permutation that sorts along <paramref name="dim"/>.</summary>
    public Tensor ArgSort(long dim = -1, bool descending = false) => Wrap(NativeMethods.st_argsort(Handle, dim, descending ? 1 : 0));

    /// <summary>Concatenates tensors along an existing dimension.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => JoinTensors(tensors, dim, stack: false);

    /// <summary>Stacks tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => JoinTensors(tensors, dim, stack: true);

    private static unsafe Tensor JoinTensors(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        using var pinned = new HandleList(tensors);
        fixed (IntPtr* p = pinned.Pointers)
            return Wrap(stack ? NativeMethods.st_stack(p, tensors.Count, dim) : NativeMethods.st_cat(p, tensors.Count, dim));
    }

    /// <summary>Samples <paramref name="numSamples"/> indices per row from the (unnormalised) probabilities in this tensor.</summary>
    public Tensor Multinomial(long numSamples, bool replacement = false, Generator? generator = null) =>
        Wrap(NativeMethods.st_multinomial(Handle, numSamples, replacement ? 1 : 0, Generator.Raw(generator)));

    /// <summary>Bernoulli samples: 1 with probability <paramref name="p"/>, shaped like this tensor.</summary>
    public Tensor Bernoulli(double p, Generator? generator = null) => Wrap(NativeMethods.st_bernoulli(Handle, p, Generator.Raw(generator)));

    // ---- in place ------------------------------------------------------------------------------

    /// <summary>In place: <c>this += alpha * other</c>.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) { Check.Status(NativeMethods.st_add_(Handle, other.Handle, alpha)); return this; }
    /// <summary>In place: <c>this -= alpha * other</c>.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1) { Check.Status(NativeMethods.st_sub_(Handle, other.Handle, alpha)); return this; }
    /// <summary>In place: <c>this *= other</c>.</summary>
    public Tensor MulInPlace(Tensor other) { Check.Status(NativeMethods.st_mul_(Handle, other.Handle)); return this; }
    /// <summary>In place: <c>this /= other</c>.</summary>
    public Tensor DivInPlace(Tensor other) { Check.Status(NativeMethods.st_div_(Handle, other.Handle)); return this; }
    /// <summary>In place: <c>this += s</c>.</summary>
    public Tensor AddInPlace(Scalar s) { Check.Status(NativeMethods.st_add_scalar_(Handle, s.Value, s.IntValue, s.Kind)); return this; }
    /// <summary>In place: <c>this *= s</c>.</summary>
    public Tensor MulInPlace(Scalar s) { Check.Status(NativeMethods.st_mul_scalar_(Handle, s.Value, s.IntValue, s.Kind)); return this; }
    /// <summary>In place: copies <paramref name="source"/> (broadcast, converted) into this tensor.</summary>
    public Tensor CopyFrom(Tensor source) { Check.Status(NativeMethods.st_copy_(Handle, source.Handle)); return this; }
    /// <summary>In place: sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(Scalar value) { Check.Status(NativeMethods.st_fill_(Handle, value.Value, value.IntValue, value.Kind)); return this; }
    /// <summary>In place: sets every element to zero.</summary>
    public Tensor Zero() { Check.Status(NativeMethods.st_zero_(Handle)); return this; }
    /// <summary>In place: sets elements to <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFillInPlace(Tensor mask, Scalar value) { Check.Status(NativeMethods.st_masked_fill_(Handle, mask.Handle, value.Value, value.IntValue, value.Kind)); return this; }
    /// <summary>In place: copies rows of <paramref name="source"/> into entries <paramref name="index"/> of <paramref name="dim"/>.</summary>
    public Tensor IndexCopyInPlace(long dim, Tensor index, Tensor source) { Check.Status(NativeMethods.st_index_copy_(Handle, dim, index.Handle, source.Handle)); return this; }
    /// <summary>In place: writes <paramref name="source"/> along <paramref name="dim"/> at <paramref name="index"/>.</summary>
    public Tensor ScatterInPlace(long dim, Tensor index, Tensor source) { Check.Status(NativeMethods.st_scatter_(Handle, dim, index.Handle, source.Handle)); return this; }
    /// <summary>In place: uniform samples in [from, to).</summary>
    public Tensor UniformInPlace(double from, double to, Generator? generator = null) { Check.Status(NativeMethods.st_uniform_(Handle, from, to, Generator.Raw(generator))); return this; }
    /// <summary>In place: normal samples.</summary>
    public Tensor NormalInPlace(double mean = 0, double std = 1, Generator? generator = null) { Check.Status(NativeMethods.st_normal_(Handle, mean, std, Generator.Raw(generator))); return this; }

    // ---- operators -----------------------------------------------------------------------------

    /// <summary>Element-wise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Element-wise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, Scalar s) => a.Add(s);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Scalar s, Tensor a) => a.Add(s);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, Scalar s) => a.Sub(s);
    /// <summary>Subtracts from a scalar.</summary>
    public static Tensor operator -(Scalar s, Tensor a) => a.RSub(s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, Scalar s) => a.Mul(s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Scalar s, Tensor a) => a.Mul(s);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, Scalar s) => a.Div(s);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
}
