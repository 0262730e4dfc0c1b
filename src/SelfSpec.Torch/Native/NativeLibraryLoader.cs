using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SelfSpec.Torch.Native;

/// <summary>
/// Finds <c>libselfspec_torch.so</c>: <c>$SELFSPEC_TORCH_NATIVE</c> (a file path) if set, else beside this
/// assembly (the build copies it there). The shim's RPATH points at the libtorch it was built against.
/// </summary>
internal static class NativeLibraryLoader
{
    internal const string LibraryName = "selfspec_torch";
    private const string FileName = "libselfspec_torch.so";

    // A module initializer is the one place that runs before any P/Invoke of this assembly resolves.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    /// <summary>Where the shim was loaded from (after the first call into it).</summary>
    internal static string? LoadedFrom { get; private set; }

    /// <summary>
    /// libgomp and OpenBLAS read their settings once, when libtorch loads them. By default libgomp's idle threads spin
    /// for a while after each parallel region, and OpenBLAS's threads keep calling sched_yield for ~2^28 cycles (~0.1 s)
    /// after each gemm; on a machine with more runnable threads than cores (a shared 2-core box with other jobs) the
    /// spinners steal the cores the working threads need: prefill of the benchmark model ran 2.5–3× faster with passive
    /// waiting at load ≈ 15, for PyTorch eager as well as for us, and a training step of the bootstrap model took 12%
    /// less wall time and 15% less CPU time with OpenBLAS's threads sleeping after 2^4 cycles (inference: no change).
    /// So unless the user chose (<c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c>; <c>OPENBLAS_THREAD_TIMEOUT</c>), idle
    /// threads sleep; the shim's own kernel pool spins briefly on its own terms (<see cref="Torch.KernelSpinMicroseconds"/>).
    /// The process environment of the C runtime is what they read, hence libc's setenv rather than Environment.
    /// </summary>
    private static void PreferSleepingIdleThreads()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") == null && Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") == null)
                _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            _ = setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: leave the libraries' defaults.
        }
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName) return IntPtr.Zero;
        var candidates = new List<string>();
        var env = Environment.GetEnvironmentVariable("SELFSPEC_TORCH_NATIVE");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        var asmDir = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(asmDir)) candidates.Add(Path.Combine(asmDir, FileName));

        PreferSleepingIdleThreads();
        var errors = new List<string>();
        foreach (var path in candidates.Distinct())
        {
            if (!File.Exists(path)) continue;
            try
            {
                var h = NativeLibrary.Load(path);
                LoadedFrom = path;
                return h;
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{path}: {e.Message}");
            }
        }
        var detail = errors.Count > 0 ? " Load errors: " + string.Join("; ", errors) : $" Looked in: {string.Join(", ", candidates.Distinct())}.";
        throw new TorchNotAvailableException(
            "The libtorch shim (libselfspec_torch.so) could not be loaded." + detail +
            " Install libtorch with `scripts/install-deps.sh runtime` and rebuild (./selfspec does both); set TORCH_DIR to use another libtorch.");
    }
}
