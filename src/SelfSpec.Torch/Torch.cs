using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>Process-wide facts and settings of the tensor engine.</summary>
public static class Torch
{
    private static readonly object Gate = new();
    private static bool initialised;

    /// <summary>
    /// Loads libtorch (if not yet loaded) and applies the thread count from <c>SELFSPEC_THREADS</c>
    /// (default: all cores). Throws <see cref="TorchNotAvailableException"/> with a fix if libtorch is missing.
    /// </summary>
    public static void EnsureInitialised()
    {
        if (initialised) return;
        lock (Gate)
        {
            if (initialised) return;
            try
            {
                NativeMethods.st_clear_error();
            }
            catch (DllNotFoundException e)
            {
                throw new TorchNotAvailableException(e.Message, e);
            }
            var env = Environment.GetEnvironmentVariable("SELFSPEC_THREADS");
            var threads = int.TryParse(env, out var n) && n > 0 ? n : Environment.ProcessorCount;
            NativeMethods.st_set_num_threads(threads);
            initialised = true;
        }
    }

    /// <summary>True if the shim and libtorch load.</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                EnsureInitialised();
                return true;
            }
            catch (TorchNotAvailableException)
            {
                return false;
            }
        }
    }

    /// <summary>The libtorch version the shim was built against (e.g. <c>1.13.1</c>).</summary>
    public static unsafe string Version
    {
        get
        {
            EnsureInitialised();
            return Check.ReadString(&NativeMethods.st_version);
        }
    }

    /// <summary>libtorch's build configuration (<c>at::show_config()</c>).</summary>
    public static unsafe string BuildConfig
    {
        get
        {
            EnsureInitialised();
            return Check.ReadString(&NativeMethods.st_build_config);
        }
    }

    /// <summary>libtorch's threading report (<c>at::get_parallel_info()</c>).</summary>
    public static unsafe string ParallelInfo
    {
        get
        {
            EnsureInitialised();
            return Check.ReadString(&NativeMethods.st_parallel_info);
        }
    }

    /// <summary>The file the shim was loaded from.</summary>
    public static string? NativeLibraryPath
    {
        get
        {
            EnsureInitialised();
            return NativeLibraryLoader.LoadedFrom;
        }
    }

    /// <summary>Intra-op threads libtorch uses.</summary>
    public static int Threads
    {
        get
        {
            EnsureInitialised();
            return NativeMethods.st_get_num_threads();
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            EnsureInitialised();
            NativeMethods.st_set_num_threads(value);
        }
    }

    /// <summary>
    /// How many threads the shim's own kernels (<see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>, decode
    /// attention, the fused norms) split their work over when called from this thread: <see cref="Threads"/>, counted by
    /// running a job on the shim's kernel pool and seeing which threads took part.
    /// </summary>
    public static int ShimThreads
    {
        get
        {
            EnsureInitialised();
            return NativeMethods.st_shim_parallel_threads();
        }
    }

    /// <summary>
    /// How long, in microseconds, the idle workers of the shim's kernel pool spin waiting for the next kernel before
    /// they sleep (default 200, or <c>SELFSPEC_KERNEL_SPIN_US</c>; 0 sleeps at once). Waking a sleeping thread costs
    /// ~100 µs, as much as one projection of a decode step, so during generation the workers stay awake between the
    /// kernels of a step; between steps and after generation they sleep, leaving the cores of a shared machine free.
    /// </summary>
    public static long KernelSpinMicroseconds
    {
        get
        {
            EnsureInitialised();
            return NativeMethods.st_kernel_pool_spin_us();
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            EnsureInitialised();
            NativeMethods.st_kernel_pool_set_spin_us(value);
        }
    }

    /// <summary>Seeds libtorch's default generators (prefer an explicit <see cref="Generator"/>).</summary>
    public static void ManualSeed(ulong seed)
    {
        EnsureInitialised();
        NativeMethods.st_manual_seed(seed);
    }

    /// <summary>CUDA facts.</summary>
    public static class Cuda
    {
        /// <summary>Whether the shim was compiled against a CUDA-enabled libtorch.</summary>
        public static bool ShimHasCuda
        {
            get
            {
                EnsureInitialised();
                return NativeMethods.st_shim_has_cuda() != 0;
            }
        }

        /// <summary>Number of usable GPUs (0 without CUDA).</summary>
        public static int DeviceCount
        {
            get
            {
                EnsureInitialised();
                return NativeMethods.st_cuda_device_count();
            }
        }

        /// <summary>True if at least one GPU is usable.</summary>
        public static bool IsAvailable => DeviceCount > 0;

        /// <summary>The GPU's name (e.g. <c>NVIDIA H100 80GB HBM3</c>).</summary>
        public static unsafe string DeviceName(int index = 0)
        {
            EnsureInitialised();
            var n = NativeMethods.st_cuda_device_name(index, null, 0);
            if (n < 0) throw Check.LastError();
            var buf = new byte[n + 1];
            fixed (byte* p = buf) NativeMethods.st_cuda_device_name(index, p, buf.Length);
            return System.Text.Encoding.UTF8.GetString(buf, 0, n);
        }

        /// <summary>The GPU's memory in bytes (-1 if unknown).</summary>
        public static long TotalMemory(int index = 0)
        {
            EnsureInitialised();
            return NativeMethods.st_cuda_total_memory(index);
        }

        /// <summary>Waits for all work queued on the GPU.</summary>
        public static void Synchronize(int index = 0) => Check.Status(NativeMethods.st_cuda_synchronize(index));

        /// <summary>Returns cached, unused GPU memory to the driver.</summary>
        public static void EmptyCache() => Check.Status(NativeMethods.st_cuda_empty_cache());
    }
}
