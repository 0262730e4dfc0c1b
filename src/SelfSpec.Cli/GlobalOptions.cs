using System.CommandLine;

namespace SelfSpec.Cli;

/// <summary>Options accepted by every command.</summary>
public static class GlobalOptions
{
    /// <summary><c>--threads N</c>: intra-op threads for the tensor engine and parallel stages (default: all cores).</summary>
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Threads for tensor math and parallel stages (default: number of cores)",
        Recursive = true,
    };

    /// <summary>The thread count to use: the option if given, else <c>SELFSPEC_THREADS</c>, else the core count.</summary>
    public static int ResolveThreads(ParseResult parse)
    {
        var fromOption = parse.GetValue(Threads);
        if (fromOption is > 0) return fromOption.Value;
        if (int.TryParse(Environment.GetEnvironmentVariable("SELFSPEC_THREADS"), out var env) && env > 0) return env;
        return Environment.ProcessorCount;
    }
}
