using System.Runtime.InteropServices;
using SelfSpec.Torch.Native;

namespace SelfSpec.Torch.Optim;

/// <summary>Hyper-parameters of <see cref="AdamW"/>. The defaults are PyTorch's, except the weight decay, which is 0 (libtorch's default is 0.01).</summary>
public sealed record AdamWOptions
{
    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Decay of the first-moment estimate.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>Decay of the second-moment estimate.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Added to the denominator for stability.</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; }
    /// <summary>Use the AMSGrad variant.</summary>
    public bool AmsGrad { get; init; }
}

/// <summary>The state AdamW keeps for one parameter (for checkpoints).</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="ExpAvg">First-moment estimate.</param>
/// <param name="ExpAvgSq">Second-moment estimate.</param>
public sealed record AdamWParameterState(long Step, Tensor ExpAvg, Tensor ExpAvgSq);

/// <summary>libtorch's AdamW (<c>torch::optim::AdamW</c>) over a fixed list of parameters.</summary>
public sealed class AdamW : IDisposable
{
    private readonly OptimizerHandle handle;

    /// <summary>Creates the optimizer. The parameters must stay alive as long as it does.</summary>
    public unsafe AdamW(IReadOnlyList<Tensor> parameters, AdamWOptions? options = null)
    {
        Options = options ?? new AdamWOptions();
        Parameters = parameters.ToArray();
        using var list = new HandleList(Parameters);
        IntPtr raw;
        fixed (IntPtr* p = list.Pointers)
            raw = NativeMethods.st_adamw_new(p, Parameters.Count, Options.LearningRate, Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay, Options.AmsGrad ? 1 : 0);
        if (raw == IntPtr.Zero) throw Check.LastError();
        handle = new OptimizerHandle();
        Marshal.InitHandle(handle, raw);
    }

    /// <summary>The hyper-parameters it was created with.</summary>
    public AdamWOptions Options { get; }

    /// <summary>The parameters it updates, in order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void Step() => Check.Status(NativeMethods.st_adamw_step(handle));

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad() => Check.Status(NativeMethods.st_adamw_zero_grad(handle));

    /// <summary>Sets the learning rate for the following steps (for schedules).</summary>
    public void SetLearningRate(double lr) => Check.Status(NativeMethods.st_adamw_set_lr(handle, lr));

    /// <summary>The state of parameter <paramref name="index"/>, or null before its first step.</summary>
    public unsafe AdamWParameterState? GetState(int index)
    {
        long step;
        IntPtr m, v;
        var r = NativeMethods.st_adamw_get_state(handle, index, &step, &m, &v);
        if (r < 0) throw Check.LastError();
        return r == 0 ? null : new AdamWParameterState(step, Tensor.Adopt(m), Tensor.Adopt(v));
    }

    /// <summary>Restores the state of parameter <paramref name="index"/> (copies the tensors).</summary>
    public void SetState(int index, AdamWParameterState state) =>
        Check.Status(NativeMethods.st_adamw_set_state(handle, index, state.Step, state.ExpAvg.Handle, state.ExpAvgSq.Handle));

    /// <inheritdoc />
    public void Dispose() => handle.Dispose();
}
