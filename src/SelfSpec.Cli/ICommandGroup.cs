using System.CommandLine;

namespace SelfSpec.Cli;

/// <summary>
/// A family of top-level commands contributed by one capability (for example <c>parquet …</c> or <c>index …</c>).
/// Every non-abstract implementation in this assembly is discovered at start-up, so adding a command
/// group means adding one class under <c>Commands/</c> and touching nothing else.
/// </summary>
public interface ICommandGroup
{
    /// <summary>The top-level commands this group adds to the root command.</summary>
    IEnumerable<Command> CreateCommands();
}
