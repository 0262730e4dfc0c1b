using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.TestHost;

// Usage: TestHost --db PATH --runs DIR run FILE [--instance ID] [--force ACT]
//        TestHost --db PATH --runs DIR resume ID
// Exit codes: 0 finished, 3 faulted, 4 cancelled, 5 locked by another process, 2 usage.
string? db = null, runs = null, instance = null;
var force = new List<string>();
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--db": db = args[++i]; break;
        case "--runs": runs = args[++i]; break;
        case "--instance": instance = args[++i]; break;
        case "--force": force.Add(args[++i]); break;
        default: rest.Add(args[i]); break;
    }
}
if (db is null || runs is null || rest.Count != 2) { Console.Error.WriteLine("usage"); return 2; }

using var store = WorkflowStore.Open(db);
var runtime = new WorkflowRuntime(store, ActivityRegistry.FromAssemblies(typeof(WriteText).Assembly), new WorkflowRuntimeOptions { RunsDirectory = runs });
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    var result = rest[0] switch
    {
        "run" => await runtime.RunAsync(WorkflowDefinitionSerializer.ReadFile(rest[1]), new WorkflowRunOptions { InstanceId = instance, Force = force }, cts.Token),
        "resume" => await runtime.ResumeAsync(rest[1], null, cts.Token),
        _ => throw new ArgumentException(rest[0]),
    };
    Console.WriteLine($"{result.InstanceId} {result.Status}");
    return result.Status switch { WorkflowStatus.Finished => 0, WorkflowStatus.Cancelled => 4, _ => 3 };
}
catch (WorkflowInstanceLockedException e)
{
    Console.Error.WriteLine(e.Message);
    return 5;
}
