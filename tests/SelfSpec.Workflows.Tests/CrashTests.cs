using System.Diagnostics;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

/// <summary>Real child processes: one is killed with SIGKILL in the middle of an activity and the instance is resumed.</summary>
[Trait(Category.Name, Category.Slow)]
public class CrashTests
{
    private static readonly string HostDll = Path.Combine(AppContext.BaseDirectory, "SelfSpec.Workflows.TestHost.dll");

    private static WorkflowDefinition Pipeline() => new TestWorkflow()
        .Variable("A").Variable("B")
        .Add("s1", "SelfSpec.Test.WriteText", ("text", Lit("one")), ("repeat", Lit(3)))
        .Add("s2", "SelfSpec.Test.WriteText", ("text", Lit("two")), ("repeat", Lit(60)), ("delayMs", Lit(50)))
        .Add("s3", "SelfSpec.Test.Concat", ("left", Var("A")), ("right", Var("B")))
        .Bind("s1", "file", "A").Bind("s2", "file", "B")
        .Chain("s1", "s2", "s3")
        .Build("crash");

    private sealed record Home(TempDir Dir)
    {
        public string Db => Dir.Combine("store", "workflows.db");
        public string Runs => Dir.Combine("runs");
        public string Journal => Dir.Combine("journal.txt");
        public string Workflow => Dir.Combine("crash.json");
        public string[] JournalLines => File.Exists(Journal) ? File.ReadAllLines(Journal) : [];
    }

    private static Home NewHome()
    {
        var home = new Home(new TempDir("selfspec-crash-"));
        WorkflowDefinitionSerializer.WriteFile(Pipeline(), home.Workflow);
        return home;
    }

    private static Process Start(Home home, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { HostDll, "--db", home.Db, "--runs", home.Runs }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["SELFSPEC_TEST_JOURNAL"] = home.Journal;
        InterruptSignal.DeliverToChildren(); // the SIGINT test must reach the child even when the test run was started in the background
        return Process.Start(psi)!;
    }

    private static async Task<int> FinishAsync(Process p)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode is 0 or 5, $"exit {p.ExitCode}: {await stderr}");
        return p.ExitCode;
    }

    private static async Task WaitForLineAsync(Home home, string line)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!home.JournalLines.Contains(line))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{line}' never appeared in the journal");
            await Task.Delay(20);
        }
    }

    private static string[] ArtifactFiles(string instanceDir) =>
        Directory.GetFiles(instanceDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(instanceDir, f)).Order().ToArray();

    [Fact]
    public async Task SigintCancelsCleanlyAndTheInstanceResumes()
    {
        var home = NewHome();
        try
        {
            var victim = Start(home, "run", home.Workflow, "--instance", "int");
            await WaitForLineAsync(home, "start s2 int");
            var kill = ChildProcess.Run("kill", ["-INT", victim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(0, kill.ExitCode);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await victim.WaitForExitAsync(timeout.Token);
            Assert.Equal(4, victim.ExitCode); // Cancelled
            Assert.False(Directory.Exists(Path.Combine(home.Runs, "int", ".staging", "s2-1")), "a cancelled attempt leaves no staging folder");
            using (var store = WorkflowStore.Open(home.Db))
            {
                Assert.Equal(WorkflowStatus.Cancelled, store.FindInstance("int")!.Status);
                Assert.Equal(ActivityStatus.Cancelled, store.GetRecords("int").Single(r => r.ActivityId == "s2").Status);
            }
            Assert.Equal(0, await FinishAsync(Start(home, "resume", "int")));
            Assert.Equal(1, home.JournalLines.Count(l => l == "start s1 int"));
            Assert.Equal(1, home.JournalLines.Count(l => l == "end s2 int"));
        }
        finally
        {
            home.Dir.Dispose();
        }
    }

    [Fact]
    public async Task SigkillMidActivityThenResumeEqualsAnUninterruptedRunAndNothingCompletedRunsTwice()
    {
        var reference = NewHome();
        var crashed = NewHome();
        try
        {
            Assert.Equal(0, await FinishAsync(Start(reference, "run", reference.Workflow, "--instance", "ref")));

            var victim = Start(crashed, "run", crashed.Workflow, "--instance", "crash");
            await WaitForLineAsync(crashed, "start s2 crash");
            var partial = Path.Combine(crashed.Runs, "crash", ".staging", "s2-1", "out.txt");
            var waitPartial = DateTime.UtcNow.AddSeconds(30);
            // Kill once s2 is visibly mid-way: its Running record is stored (written after 250 ms) and its file is partly written.
            var sqlite3 = ExternalReference.RequireProgram("sqlite3", debianPackage: "sqlite3");
            string S2Status() => ChildProcess.Run(sqlite3, [crashed.Db, "SELECT Status FROM ActivityExecutionRecords WHERE ActivityId = 's2';"]).StdOut.Trim();
            while (!(File.Exists(partial) && new FileInfo(partial).Length > 20 && S2Status() == "Running") && DateTime.UtcNow < waitPartial) await Task.Delay(20);
            victim.Kill(); // SIGKILL on Linux: no handler, no cleanup
            await victim.WaitForExitAsync();
            Assert.True(File.Exists(partial), "the kill must land while s2 is half-written");

            // Two processes race to resume the crashed instance: one runs it, the other is refused.
            var a = Start(crashed, "resume", "crash");
            var b = Start(crashed, "resume", "crash");
            var codes = new[] { await FinishAsync(a), await FinishAsync(b) }.Order().ToArray();
            Assert.Equal([0, 5], codes);

            var journal = crashed.JournalLines;
            Assert.Equal(1, journal.Count(l => l == "start s1 crash")); // completed before the crash: never re-executed
            Assert.Equal(2, journal.Count(l => l == "start s2 crash")); // interrupted: started again from scratch
            Assert.Equal(1, journal.Count(l => l == "end s2 crash"));
            Assert.Equal(1, journal.Count(l => l == "start s3 crash"));

            var refDir = Path.Combine(reference.Runs, "ref");
            var crashDir = Path.Combine(crashed.Runs, "crash");
            Assert.Equal(["s1/out.txt", "s2/out.txt", "s3/concat.txt"], ArtifactFiles(crashDir)); // no staging leftovers, no duplicates
            Assert.Equal(ArtifactFiles(refDir), ArtifactFiles(crashDir));
            foreach (var file in ArtifactFiles(refDir))
                Assert.Equal(File.ReadAllBytes(Path.Combine(refDir, file)), File.ReadAllBytes(Path.Combine(crashDir, file)));

            using var store = WorkflowStore.Open(crashed.Db);
            Assert.Equal(WorkflowStatus.Finished, store.FindInstance("crash")!.Status);
            var s2 = store.GetRecords("crash").Where(r => r.ActivityId == "s2").Select(r => r.Status).ToList();
            Assert.Equal([ActivityStatus.Interrupted, ActivityStatus.Completed], s2);
        }
        finally
        {
            reference.Dir.Dispose();
            crashed.Dir.Dispose();
        }
    }
}
