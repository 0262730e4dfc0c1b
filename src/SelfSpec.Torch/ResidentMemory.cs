using System.Runtime.InteropServices;
using SelfSpec.Torch.Native;

namespace SelfSpec.Torch;

/// <summary>Hints to the operating system about which tensor memory need not stay resident.</summary>
public static partial class ResidentMemory
{
    private const int MadvPageOut = 21; // Linux ≥ 5.4

    /// <summary>
    /// Asks Linux to reclaim the pages lying wholly inside <paramref name="tensor"/>'s elements now
    /// (<c>madvise(MADV_PAGEOUT)</c>), for memory a process keeps but will rarely read again, such as a checkpoint's
    /// memory-mapped weights once a copy in another layout serves inference. Clean pages of a mapped file leave memory
    /// and are read back from the file if touched again; anonymous pages go to swap where there is swap, else stay. The
    /// contents never change, so this is only ever a hint. Pages shared with neighbouring data at either end are left
    /// alone. Does nothing for GPU or non-contiguous tensors, or where the call is unsupported (not Linux, an older
    /// kernel).
    /// </summary>
    /// <returns>The bytes the hint covered (0 when nothing was advised).</returns>
    public static long PageOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!OperatingSystem.IsLinux() || tensor.Device.Type != DeviceType.Cpu || !tensor.IsContiguous) return 0;
        var start = (long)NativeMethods.st_tensor_data_ptr(tensor.Handle);
        if (start == 0) return 0;
        long page = Environment.SystemPageSize;
        var first = (start + page - 1) / page * page;
        var end = (start + tensor.NumElements * tensor.ElementSize) / page * page;
        if (end <= first) return 0;
        try
        {
            return madvise((nint)first, (nuint)(end - first), MadvPageOut) == 0 ? end - first : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
