using System.CommandLine;
using System.Reflection;
using SelfSpec.Cli;

var root = new RootCommand("SelfSpec Workflows: turn a general LLM into a domain expert by self-specialization.");
root.Options.Add(GlobalOptions.Threads);

var groups = typeof(ICommandGroup).Assembly.GetTypes()
    .Where(t => typeof(ICommandGroup).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (ICommandGroup)Activator.CreateInstance(t)!);
foreach (var command in groups.SelectMany(g => g.CreateCommands()).OrderBy(c => c.Name, StringComparer.Ordinal))
    root.Subcommands.Add(command);

var parse = root.Parse(args);
CliRuntime.Configure(GlobalOptions.ResolveThreads(parse));
return await parse.InvokeAsync();
