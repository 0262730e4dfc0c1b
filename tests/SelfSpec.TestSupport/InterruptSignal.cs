using System.Runtime.InteropServices;

namespace SelfSpec.TestSupport;

/// <summary>
/// Makes SIGINT reach the child processes a test starts. A shell without job control starts background commands with
/// SIGINT ignored (<c>.ci/run &amp;</c>, <c>nohup</c>), children inherit that, and a Ctrl-C test would then see its
/// child run on as if the CLI had no handler. Call <see cref="DeliverToChildren"/> before starting such a child.
/// </summary>
public static partial class InterruptSignal
{
    private const int SigInt = 2;

    /// <summary>True when this process ignores SIGINT (bit 2 of <c>SigIgn</c> in <c>/proc/self/status</c>).</summary>
    public static bool IgnoredHere()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return false;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line != null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }

    /// <summary>Restores SIGINT's default disposition in this process when it is ignored, so children inherit the default.</summary>
    public static void DeliverToChildren()
    {
        if (IgnoredHere() && signal(SigInt, IntPtr.Zero /* SIG_DFL */) == new IntPtr(-1 /* SIG_ERR */))
            throw new InvalidOperationException($"could not restore SIGINT's default disposition (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial IntPtr signal(int signum, IntPtr handler);
}
