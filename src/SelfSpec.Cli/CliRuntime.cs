namespace SelfSpec.Cli;

/// <summary>Process-wide settings applied once, before any command runs.</summary>
public static class CliRuntime
{
    /// <summary>The thread count chosen for this process.</summary>
    public static int Threads { get; private set; } = Environment.ProcessorCount;

    /// <summary>Applies the thread count; the tensor engine picks it up when it is first loaded.</summary>
    public static void Configure(int threads)
    {
        Threads = threads;
        Environment.SetEnvironmentVariable("SELFSPEC_THREADS", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
