using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>
/// A random number generator with its own seed and state, so sampling is reproducible regardless of what
/// else runs in the process. Pass it to <see cref="Tensor.Randn"/>, <see cref="Tensor.Multinomial"/>, ….
/// </summary>
public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle handle;

    /// <summary>A generator for <paramref name="device"/> (CPU by default) seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        var raw = NativeMethods.st_generator_new((int)d.Type, d.Index, seed);
        if (raw == IntPtr.Zero) throw Check.LastError();
        handle = new GeneratorHandle();
        System.Runtime.InteropServices.Marshal.InitHandle(handle, raw);
        Device = d;
    }

    /// <summary>The device whose random numbers this generator produces.</summary>
    public Device Device { get; }

    /// <summary>The seed the generator was last seeded with.</summary>
    public ulong Seed => NativeMethods.st_generator_seed(handle);

    /// <summary>Re-seeds the generator (resets its state).</summary>
    public void SetSeed(ulong seed) => Check.Status(NativeMethods.st_generator_set_seed(handle, seed));

    /// <summary>A snapshot of the full state (a uint8 tensor), for checkpoints.</summary>
    public Tensor GetState() => Tensor.Wrap(NativeMethods.st_generator_get_state(handle));

    /// <summary>Restores a state from <see cref="GetState"/>.</summary>
    public void SetState(Tensor state) => Check.Status(NativeMethods.st_generator_set_state(handle, state.Handle));

    internal static IntPtr Raw(Generator? g) => g == null ? IntPtr.Zero : g.handle.DangerousGetHandle();

    /// <inheritdoc />
    public void Dispose() => handle.Dispose();
}
