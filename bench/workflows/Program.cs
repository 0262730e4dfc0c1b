using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;

// Usage: SelfSpec.Workflows.Bench [activities=1000] [repeats=3] [output.md]
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var output = args.Length > 2 ? args[2] : null;
var work = Path.Combine(Path.GetTempPath(), "selfspec-wf-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
try
{
    using var store = WorkflowStore.Open(Path.Combine(work, "workflows.db"));
    var runtime = new WorkflowRuntime(store, ActivityRegistry.FromAssemblies(typeof(NoOp).Assembly),
        new WorkflowRuntimeOptions { RunsDirectory = Path.Combine(work, "runs") });

    await runtime.RunAsync(Chain(50, "warmup")); // JIT, EF Core model, SQLite pages

    var fresh = new List<double>();
    var cached = new List<double>();
    var freshCpu = new List<double>();
    var cachedCpu = new List<double>();
    var self = Process.GetCurrentProcess();
    TimeSpan Cpu() { self.Refresh(); return self.TotalProcessorTime; }
    for (var r = 0; r < repeats; r++)
    {
        var definition = Chain(count, "run" + r); // new salt: nothing can be reused
        var cpu = Cpu();
        var sw = Stopwatch.StartNew();
        var result = await runtime.RunAsync(definition);
        fresh.Add(sw.Elapsed.TotalMilliseconds / count);
        freshCpu.Add((Cpu() - cpu).TotalMilliseconds / count);
        if (result.Status != WorkflowStatus.Finished || result.Records.Count != count) throw new InvalidOperationException($"benchmark run failed: {result.Status} {result.Error} records={result.Records.Count}");

        cpu = Cpu();
        sw.Restart();
        var again = await runtime.RunAsync(Chain(count, "run" + r)); // same inputs: every activity is a cache hit
        cached.Add(sw.Elapsed.TotalMilliseconds / count);
        cachedCpu.Add((Cpu() - cpu).TotalMilliseconds / count);
        if (again.Records.Any(x => x.ReusedFromId is null)) throw new InvalidOperationException("expected cache hits");
    }

    // Reference floor: the SQLite work the runtime does for a quick activity, done directly: a cache-key lookup and one
    // transaction (execution record, two log entries, instance row), WAL + synchronous=NORMAL, no runtime around it.
    var floor = new List<double>();
    var floorCpu = new List<double>();
    for (var r = 0; r < repeats; r++)
    {
        var cpu = Cpu();
        floor.Add(RawSqlite(Path.Combine(work, $"raw{r}.db"), count) / count);
        floorCpu.Add((Cpu() - cpu).TotalMilliseconds / count);
    }
    double load = File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture) : double.NaN;

    var md = new StringBuilder();
    md.AppendLine("# Workflow runtime overhead per activity");
    md.AppendLine();
    md.AppendLine($"A flowchart of {count:N0} no-op activities in a chain, persistence on (SQLite, WAL, synchronous=NORMAL): for every activity a");
    md.AppendLine("cache lookup, then one transaction with its execution record, two execution-log entries and the instance's progress (an activity");
    md.AppendLine("running longer than 250 ms also gets its Running record written while it runs). Median of");
    md.AppendLine($"{repeats} runs after a 50-activity warm-up; `bench/workflows/run.sh` on this machine ({Environment.ProcessorCount} cores, shared; load average {load:0.0} at the end), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
    md.AppendLine("Wall time is what a user waits; CPU time (user + system of the process) is the runtime's own cost, less distorted when other");
    md.AppendLine("jobs share the cores.");
    md.AppendLine();
    md.AppendLine("| measurement | wall ms / activity | CPU ms / activity | wall vs raw SQLite floor |");
    md.AppendLine("|---|---:|---:|---:|");
    md.AppendLine($"| SelfSpec.Workflows, first run (every activity executes) | {Median(fresh):0.000} | {Median(freshCpu):0.000} | {Median(fresh) / Median(floor):0.0}× |");
    md.AppendLine($"| SelfSpec.Workflows, re-run (every activity a cache hit) | {Median(cached):0.000} | {Median(cachedCpu):0.000} | {Median(cached) / Median(floor):0.0}× |");
    md.AppendLine($"| reference: the same lookup + transaction with raw ADO.NET (no runtime) | {Median(floor):0.000} | {Median(floorCpu):0.000} | 1.0× |");
    md.AppendLine();
    md.AppendLine($"Goal: ≤ 2 ms per activity → first run {(Median(fresh) <= 2 ? "**met**" : "**not met**")} ({Median(fresh):0.000} ms wall, {Median(freshCpu):0.000} ms CPU).");
    md.AppendLine();
    md.AppendLine($"All runs, wall ms/activity: first {string.Join(", ", fresh.Select(F))}; re-run {string.Join(", ", cached.Select(F))}; raw {string.Join(", ", floor.Select(F))}.");
    Console.Write(md.ToString());
    if (output is not null) File.WriteAllText(output, md.ToString());
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static WorkflowDefinition Chain(int n, string salt)
{
    var root = new ActivityNode { Id = "root", Type = "Elsa.Flowchart", Activities = [], Connections = [] };
    for (var i = 0; i < n; i++)
    {
        var node = new ActivityNode { Id = "a" + i, Type = "SelfSpec.Bench.NoOp", Name = "NoOp" + i };
        node.SetInput("salt", new InputValue("String", Expression.Literal(salt)));
        node.SetInput("index", new InputValue("Int32", Expression.Literal(i)));
        root.Activities.Add(node);
        if (i > 0) root.Connections.Add(new Connection("a" + (i - 1), "Done", "a" + i));
    }
    return new WorkflowDefinition { Id = "bench-" + salt, DefinitionId = "bench", Name = "bench", Root = root };
}

static double RawSqlite(string path, int n)
{
    using var c = new SqliteConnection($"Data Source={path};Pooling=False");
    c.Open();
    void Exec(string sql) { using var cmd = c.CreateCommand(); cmd.CommandText = sql; cmd.ExecuteNonQuery(); }
    Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    Exec("CREATE TABLE rec(id TEXT PRIMARY KEY, inst TEXT, act TEXT, status TEXT, started INTEGER, completed INTEGER, inputs TEXT, outputs TEXT, cachekey TEXT);");
    Exec("CREATE INDEX rec_key ON rec(cachekey, status);");
    Exec("CREATE TABLE log(id INTEGER PRIMARY KEY, inst TEXT, act TEXT, ts INTEGER, seq INTEGER, ev TEXT, msg TEXT);");
    Exec("CREATE TABLE inst(id TEXT PRIMARY KEY, updated INTEGER, vars TEXT);");
    Exec("INSERT INTO inst VALUES('i', 0, '{}');");
    var sw = Stopwatch.StartNew();
    long seq = 0;
    for (var i = 0; i < n; i++)
    {
        using var tx = c.BeginTransaction();
        using var lookup = c.CreateCommand();
        lookup.Transaction = tx;
        lookup.CommandText = "SELECT id FROM rec WHERE cachekey = $k AND status = 'Completed' LIMIT 1";
        lookup.Parameters.AddWithValue("$k", "key" + i);
        lookup.ExecuteScalar();
        using var write = c.CreateCommand();
        write.Transaction = tx;
        write.CommandText =
            "INSERT INTO rec VALUES($id, 'i', $a, 'Completed', $t, $t, '{}', '{}', $k); " +
            "INSERT INTO log(inst, act, ts, seq, ev) VALUES('i', $a, $t, $s, 'Started'); " +
            "INSERT INTO log(inst, act, ts, seq, ev) VALUES('i', $a, $t, $s + 1, 'Completed'); " +
            "UPDATE inst SET updated = $t, vars = '{}' WHERE id = 'i';";
        write.Parameters.AddWithValue("$id", "r" + i);
        write.Parameters.AddWithValue("$a", "a" + i);
        write.Parameters.AddWithValue("$t", DateTime.UtcNow.Ticks);
        write.Parameters.AddWithValue("$k", "key" + i);
        write.Parameters.AddWithValue("$s", seq += 2);
        write.ExecuteNonQuery();
        tx.Commit();
    }
    return sw.Elapsed.TotalMilliseconds;
}

[Activity("SelfSpec.Bench")]
public sealed class NoOp : WorkflowActivity
{
    [ActivityInput] public string? Salt { get; set; }
    [ActivityInput] public int Index { get; set; }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context) => ValueTask.CompletedTask;
}
