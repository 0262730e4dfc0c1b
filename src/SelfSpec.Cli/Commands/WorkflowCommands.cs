using System.CommandLine;
using SelfSpec.Cli.Commands.Workflows;

namespace SelfSpec.Cli.Commands;

/// <summary>
/// The workflow runtime's commands: <c>run</c>, <c>runs list|show|resume|cancel|logs</c>,
/// <c>workflows validate|export|import|list</c>, <c>schedule add|list|remove</c> and <c>server</c>.
/// </summary>
public sealed class WorkflowCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands() =>
    [
        RunCommands.CreateRun(),
        RunCommands.CreateRuns(),
        DefinitionCommands.Create(),
        ScheduleCommands.CreateSchedule(),
        ScheduleCommands.CreateServer(),
    ];
}
