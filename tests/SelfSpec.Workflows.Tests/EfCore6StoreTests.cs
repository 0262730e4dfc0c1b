using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Scheduling;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

/// <summary>
/// A store written by the EF Core 6 release: its schema is the one that release created (Resources/schema-v2-efcore6.sql,
/// read back from such a store), its rows are written here with the sqlite3 program in that release's encoding
/// (times as UTC ticks, enums as names, booleans as 0/1). The current code must read every row as it was, leave
/// them untouched, and go on writing to the same file.
/// </summary>
public class EfCore6StoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 23, 59, 58, TimeSpan.Zero);
    private static DateTimeOffset At(double seconds) => T0.AddTicks((long)(seconds * TimeSpan.TicksPerSecond) + 7); // sub-millisecond ticks

    private static WorkflowDefinition Definition(string definitionId, int version, params string[] lines)
    {
        var workflow = new TestWorkflow();
        foreach (var (line, i) in lines.Select((l, i) => (l, i))) workflow.Add("line" + i, "Elsa.WriteLine", ("text", Lit(line)));
        workflow.Chain([.. lines.Select((_, i) => "line" + i)]);
        var definition = workflow.Build(definitionId);
        definition.Id = $"{definitionId}-v{version}";
        definition.Version = version;
        definition.IsPublished = true;
        return definition;
    }

    private static WorkflowDefinitionRecord DefinitionRow(WorkflowDefinition d, bool latest, double created) => new()
    {
        Id = d.Id, DefinitionId = d.DefinitionId, Name = d.Name, Version = d.Version, IsPublished = d.IsPublished, IsLatest = latest,
        CreatedAt = At(created), UpdatedAt = At(created + 0.5), Json = WorkflowDefinitionSerializer.Write(d),
    };

    /// <summary>What an EF Core 6 store holds after a few runs: every status, nulls and non-ASCII text, several definition versions.</summary>
    private sealed class Ef6Rows
    {
        public readonly WorkflowDefinition OldV1 = Definition("old", 1, "hello");
        public readonly WorkflowDefinition OldV2 = Definition("old", 2, "hello", "again — ünïcödé 💥");
        public readonly WorkflowDefinition Nightly = Definition("nightly", 1, "night");
        public readonly List<WorkflowDefinitionRecord> Definitions;
        public readonly List<WorkflowInstanceRecord> Instances;
        public readonly List<WorkflowInstanceDefinitionRecord> InstanceDefinitions;
        public readonly List<ActivityExecutionRecord> Records;
        public readonly List<WorkflowExecutionLogRecord> Log;
        public readonly List<ScheduleRecord> Schedules;

        public Ef6Rows(TempDir dir)
        {
            Definitions = [DefinitionRow(OldV1, latest: false, 0), DefinitionRow(OldV2, latest: true, 10), DefinitionRow(Nightly, latest: true, 20)];
            WorkflowInstanceRecord Instance(string id, WorkflowDefinition d, WorkflowStatus status, double created) => new()
            {
                Id = id, DefinitionId = d.DefinitionId, DefinitionVersionId = d.Id, Version = d.Version, Name = d.Name, Status = status,
                CreatedAt = At(created), UpdatedAt = At(created + 30), RunDirectory = dir.Combine("runs", id),
            };
            var finished = Instance("a1finished000001", OldV1, WorkflowStatus.Finished, 100);
            finished.FinishedAt = At(131);
            finished.InputJson = """{"domain":"biomedical","count":3}""";
            finished.VariablesJson = """{"greeting":"hello"}""";
            finished.OutputJson = """{"result":"done"}""";
            finished.SourceFile = "/data/workflows/old.json";
            var faulted = Instance("b2faulted0000002", OldV2, WorkflowStatus.Faulted, 200);
            faulted.FinishedAt = At(240);
            faulted.Error = "activity 'line1' failed: naïve 'quote' → ünïcödé 💥";
            faulted.ForceJson = """["line1"]""";
            var running = Instance("c3running0000003", OldV2, WorkflowStatus.Running, 300);
            running.IsExecuting = true;
            running.Owner = "node-7:4242";
            var cancelled = Instance("d4cancelled00004", Nightly, WorkflowStatus.Cancelled, 400);
            cancelled.CancelRequested = true;
            cancelled.FinishedAt = At(401);
            Instances = [finished, faulted, running, cancelled];
            InstanceDefinitions = Instances.Select(i => new WorkflowInstanceDefinitionRecord
            {
                WorkflowInstanceId = i.Id,
                Json = Definitions.Single(d => d.Id == i.DefinitionVersionId).Json,
            }).ToList();

            ActivityExecutionRecord Record(WorkflowInstanceRecord i, string activity, int occurrence, ActivityStatus status, double started, string cacheKey) => new()
            {
                Id = $"{i.Id}-{activity}-{occurrence}", WorkflowInstanceId = i.Id, ActivityId = activity, ActivityNodeId = "Flowchart1:" + activity,
                ActivityType = "Elsa.WriteLine", ActivityTypeVersion = 1, ActivityName = activity, Occurrence = occurrence, Status = status,
                StartedAt = At(started), CompletedAt = status == ActivityStatus.Running ? null : At(started + 1.25), Attempts = status == ActivityStatus.Running ? 0 : 1,
                AttemptsJson = status == ActivityStatus.Running ? "[]" : $$"""[{"attempt":1,"batchSize":null,"startedAt":"{{At(started):O}}","seconds":1.25}]""",
                CacheKey = cacheKey, InputsJson = $$"""{"text":"{{activity}}"}""",
            };
            var r1 = Record(finished, "line0", 1, ActivityStatus.Completed, 101, "sha256:aaaa");
            r1.OutputsJson = """{"Output":"hello"}""";
            r1.ArtifactsJson = """[{"path":"line0/out.parquet","sha256":"00ff","size":4096}]""";
            r1.OutcomesJson = """["Done"]""";
            var r1Again = Record(finished, "line0", 2, ActivityStatus.Completed, 102, "sha256:aaaa");
            r1Again.Attempts = 0;
            r1Again.ReusedFromId = r1.Id;
            var r2 = Record(faulted, "line0", 1, ActivityStatus.Completed, 201, "sha256:bbbb");
            var r3 = Record(faulted, "line1", 1, ActivityStatus.Faulted, 202, "sha256:cccc");
            r3.Attempts = 3;
            r3.Error = "naïve 'quote' → ünïcödé 💥";
            r3.ErrorDetail = "System.InvalidOperationException: naïve\n   at SelfSpec.Step()\n   at SelfSpec.Run()";
            var r4 = Record(running, "line0", 1, ActivityStatus.Running, 301, "sha256:dddd");
            var r5 = Record(cancelled, "line0", 1, ActivityStatus.Cancelled, 400.5, "sha256:eeee");
            Records = [r1, r1Again, r2, r3, r4, r5];

            long id = 0;
            var sequence = new Dictionary<string, long>();
            WorkflowExecutionLogRecord Entry(WorkflowInstanceRecord i, string eventName, string? activity, string? message, double at) => new()
            {
                Id = ++id, WorkflowInstanceId = i.Id, ActivityId = activity, ActivityType = activity is null ? null : "Elsa.WriteLine", ActivityName = activity,
                Timestamp = At(at), Sequence = sequence[i.Id] = sequence.GetValueOrDefault(i.Id) + 1, EventName = eventName, Message = message,
            };
            Log =
            [
                Entry(finished, "WorkflowStarted", null, null, 100), Entry(finished, "Started", "line0", null, 101),
                Entry(finished, "Line", "line0", "hello", 101.5), Entry(finished, "Completed", "line0", "1.25 s", 102.25),
                Entry(finished, "Reused", "line0", "reused a1finished000001-line0-1", 102.5), Entry(finished, "WorkflowFinished", null, null, 131),
                Entry(faulted, "WorkflowStarted", null, null, 200), Entry(faulted, "Retrying", "line1", "attempt 2 of 3: naïve 'quote'", 202.5),
                Entry(faulted, "Faulted", "line1", "naïve 'quote' → ünïcödé 💥", 203.25), Entry(running, "Started", "line0", null, 301),
                Entry(cancelled, "Cancelled", "line0", null, 401),
            ];
            Schedules =
            [
                new ScheduleRecord { Id = "5c4ed01e0001", DefinitionId = "nightly", CronExpression = "0 0 2 * * *", InputJson = """{"count":5}""",
                    CreatedAt = At(20), LastFiredAt = At(399), LastInstanceId = cancelled.Id },
                new ScheduleRecord { Id = "5c4ed01e0002", DefinitionId = "old", CronExpression = "0 */15 * * * 1-5", CreatedAt = At(21) },
            ];
        }

        /// <summary>The rows as INSERT statements in the EF Core 6 release's column encoding.</summary>
        public string InsertSql() => string.Concat(
            Definitions.Select(r => Insert("WorkflowDefinitions", r)).Concat(Instances.Select(r => Insert("WorkflowInstances", r)))
                .Concat(InstanceDefinitions.Select(r => Insert("WorkflowInstanceDefinitions", r))).Concat(Records.Select(r => Insert("ActivityExecutionRecords", r)))
                .Concat(Log.Select(r => Insert("WorkflowExecutionLogRecords", r))).Concat(Schedules.Select(r => Insert("Schedules", r))));
    }

    private static string Insert<T>(string table, T row)
    {
        var columns = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        return $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) VALUES ({string.Join(", ", columns.Select(c => SqlLiteral(c.GetValue(row))))});\n";
    }

    private static string SqlLiteral(object? value) => value switch
    {
        null => "NULL",
        string s => "'" + s.Replace("'", "''") + "'",
        bool b => b ? "1" : "0",
        DateTimeOffset d => d.UtcTicks.ToString(CultureInfo.InvariantCulture),
        Enum e => "'" + e + "'",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => throw new ArgumentException($"no SQL literal for {value.GetType()}"),
    };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    private static (TempDir Dir, string Db, Ef6Rows Rows) CreateEf6Store()
    {
        ExternalReference.RequireProgram("sqlite3", debianPackage: "sqlite3");
        var dir = new TempDir("selfspec-ef6-");
        var db = dir.Combine(".selfspec", "workflows.db");
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        var rows = new Ef6Rows(dir);
        Sqlite3.Run(db, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Resources", "schema-v2-efcore6.sql")) + rows.InsertSql());
        Assert.Equal("2", Sqlite3.Run(db, "PRAGMA user_version;").Trim());
        Assert.Equal("wal", Sqlite3.Run(db, "PRAGMA journal_mode;").Trim());
        return (dir, db, rows);
    }

    [Fact]
    public void AnEfCore6StoreOpensAndEveryRowReadsBackAsItWasWritten()
    {
        var (dir, db, rows) = CreateEf6Store();
        using var _ = dir;
        var before = Sqlite3.DumpRows(db);
        Assert.Equal(new[] { rows.Records.Count, rows.Schedules.Count, rows.Definitions.Count, rows.Log.Count, rows.InstanceDefinitions.Count, rows.Instances.Count },
            new[] { "ActivityExecutionRecords", "Schedules", "WorkflowDefinitions", "WorkflowExecutionLogRecords", "WorkflowInstanceDefinitions", "WorkflowInstances" }
                .Select(t => before[t].Count));

        using (var store = WorkflowStore.Open(db))
        {
            foreach (var instance in rows.Instances)
            {
                Assert.Equal(Json(instance), Json(store.FindInstance(instance.Id)));
                Assert.Equal(rows.InstanceDefinitions.Single(d => d.WorkflowInstanceId == instance.Id).Json, store.GetInstanceDefinition(instance.Id));
                Assert.Equal(Json(rows.Records.Where(r => r.WorkflowInstanceId == instance.Id).OrderBy(r => r.StartedAt).ThenBy(r => r.Occurrence).ToList()),
                    Json(store.GetRecords(instance.Id)));
                Assert.Equal(Json(rows.Log.Where(l => l.WorkflowInstanceId == instance.Id).ToList()), Json(store.GetLog(instance.Id)));
                Assert.Equal(rows.Log.Where(l => l.WorkflowInstanceId == instance.Id).Max(l => l.Sequence), store.LastLogSequence(instance.Id));
                Assert.Equal(instance.CancelRequested, store.IsCancelRequested(instance.Id));
            }
            Assert.Equal(Json(rows.Instances.OrderByDescending(i => i.CreatedAt).ToList()), Json(store.ListInstances()));
            Assert.Equal(["b2faulted0000002"], store.ListInstances(status: WorkflowStatus.Faulted).Select(i => i.Id));
            Assert.Equal("a1finished000001", store.FindInstance("a1fin")!.Id);
            Assert.Equal(Json(rows.Records.Single(r => r.Id == "a1finished000001-line0-2")), Json(store.FindCompleted("sha256:aaaa")));
            Assert.Null(store.FindCompleted("sha256:cccc")); // faulted, never a cache hit

            Assert.Equal(Json(rows.Definitions.Where(d => d.IsLatest).OrderBy(d => d.Name).ToList()), Json(store.ListDefinitions()));
            Assert.Equal(Json(rows.Definitions.Single(d => d.Id == "old-v2")), Json(store.FindDefinition("old")));
            Assert.Equal(Json(rows.Definitions.Single(d => d.Id == "old-v1")), Json(store.FindDefinition("old-v1")));
            Assert.Equal(Json(rows.Schedules), Json(store.ListSchedules()));
        }

        Assert.Equal(WorkflowStore.SchemaVersion.ToString(CultureInfo.InvariantCulture), Sqlite3.Run(db, "PRAGMA user_version;").Trim());
        var after = Sqlite3.DumpRows(db);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var table in before.Keys) Assert.Equal(before[table], after[table]);
    }

    [Fact]
    public async Task AnEfCore6StoreTakesNewRunsDefinitionsAndSchedulesWithoutLosingARow()
    {
        var (dir, db, rows) = CreateEf6Store();
        using var _ = dir;
        var before = Sqlite3.DumpRows(db);

        string newInstance, addedSchedule;
        using (var store = WorkflowStore.Open(db))
        {
            var runtime = new WorkflowRuntime(store, TestHome.Registry, new WorkflowRuntimeOptions { RunsDirectory = dir.Combine("runs") });
            var resumed = await runtime.ResumeAsync("b2faulted0000002");
            Assert.Equal(WorkflowStatus.Finished, resumed.Status);
            var fresh = await runtime.RunAsync(Definition("fresh", 1, "new", "run"), new WorkflowRunOptions());
            Assert.Equal(WorkflowStatus.Finished, fresh.Status);
            newInstance = fresh.InstanceId;

            store.SaveDefinition(DefinitionRow(Definition("old", 3, "third"), latest: true, 500));
            Assert.True(store.RequestCancel("c3running0000003"));
            Assert.True(store.RemoveSchedule("5c4ed01e0002"));
            var fired = rows.Schedules[0];
            fired.LastFiredAt = At(600);
            fired.LastInstanceId = newInstance;
            store.SaveSchedule(fired);
            var added = ScheduledRuns.Add(store, rows.Nightly, cron: "0 30 3 * * *");
            addedSchedule = Assert.Single(added).Id;
        }

        // A second open sees everything the first one wrote.
        using (var store = WorkflowStore.Open(db))
        {
            Assert.Equal(WorkflowStatus.Finished, store.FindInstance("b2faulted0000002")!.Status);
            Assert.Equal(WorkflowStatus.Finished, store.FindInstance(newInstance)!.Status);
            Assert.Equal(["new", "run"], store.GetLog(newInstance).Where(l => l.EventName == "Line").Select(l => l.Message));
            Assert.All(store.GetRecords(newInstance), r => Assert.Equal(ActivityStatus.Completed, r.Status));
            Assert.Equal(["fresh-v1", "nightly-v1", "old-v3"], store.ListDefinitions().Select(d => d.Id).Order());
            Assert.Equal(["5c4ed01e0001", addedSchedule], store.ListSchedules().Select(s => s.Id));
        }

        // Checked with the sqlite3 program rather than the code under test.
        var after = Sqlite3.DumpRows(db);
        foreach (var table in before.Keys)
        {
            // Every row not meant to change is still there, byte for byte.
            string[] changed = table switch
            {
                "WorkflowInstances" => ["b2faulted0000002", "c3running0000003"],
                "WorkflowDefinitions" => ["old-v2", "nightly-v1"], // nightly-v1 is stored again by ScheduledRuns.Add
                "Schedules" => ["5c4ed01e0001", "5c4ed01e0002"],
                "sqlite_sequence" => ["WorkflowExecutionLogRecords"],
                _ => [],
            };
            var kept = before[table].Where(r => !changed.Contains(Sqlite3.RowKey(r))).ToList();
            Assert.Equal(kept, after[table].Intersect(kept));
        }
        Assert.Equal("1", Sqlite3.Run(db, "SELECT CancelRequested FROM WorkflowInstances WHERE Id = 'c3running0000003';").Trim());
        Assert.Equal("0|1", Sqlite3.Run(db, "SELECT IsLatest FROM WorkflowDefinitions WHERE Id = 'old-v2'; SELECT IsLatest FROM WorkflowDefinitions WHERE Id = 'old-v3';").Trim().ReplaceLineEndings("|"));
        Assert.Equal($"{At(600).UtcTicks}|{newInstance}", Sqlite3.Run(db, "SELECT LastFiredAt, LastInstanceId FROM Schedules WHERE Id = '5c4ed01e0001';").Trim());
        Assert.Equal("", Sqlite3.Run(db, "SELECT Id FROM Schedules WHERE Id = '5c4ed01e0002';").Trim());
        // New log rows continue the old ids and the resumed instance's sequence numbers.
        var oldMaxSequence = rows.Log.Where(l => l.WorkflowInstanceId == "b2faulted0000002").Max(l => l.Sequence);
        Assert.Equal($"{rows.Log.Count + 1}|{oldMaxSequence + 1}", Sqlite3.Run(db,
            "SELECT min(Id), min(Sequence) FROM WorkflowExecutionLogRecords WHERE WorkflowInstanceId = 'b2faulted0000002' AND Id > " + rows.Log.Count + ";").Trim());
    }

    [Theory]
    [InlineData("schema-v1.sql")]
    [InlineData("schema-v2-efcore6.sql")]
    public void AStoreOfAnEarlierReleaseEndsWithTheSchemaAFreshStoreHas(string schemaResource)
    {
        ExternalReference.RequireProgram("sqlite3", debianPackage: "sqlite3");
        using var dir = new TempDir("selfspec-schema-");
        var old = dir.Combine("old.db");
        Sqlite3.Run(old, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Resources", schemaResource)));
        WorkflowStore.Open(old).Dispose();
        var fresh = dir.Combine("fresh.db");
        WorkflowStore.Open(fresh).Dispose();
        Assert.Equal(Sqlite3.Structure(fresh), Sqlite3.Structure(old));
        Assert.Equal(WorkflowStore.SchemaVersion.ToString(CultureInfo.InvariantCulture), Sqlite3.Run(old, "PRAGMA user_version;").Trim());
    }
}

/// <summary>The sqlite3 program as an independent reader and writer of store files.</summary>
internal static class Sqlite3
{
    /// <summary>Runs <paramref name="script"/> on <paramref name="db"/> and returns its output; fails the test on an error.</summary>
    public static string Run(string db, string script)
    {
        var result = ChildProcess.Run("sqlite3", ["-bail", db], stdin: script);
        Assert.True(result.ExitCode == 0 && result.StdErr.Length == 0, result.ToString());
        return result.StdOut;
    }

    /// <summary>Every row of every table (as a JSON object, in rowid order), by table name.</summary>
    public static Dictionary<string, List<string>> DumpRows(string db)
    {
        var tables = Run(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return tables.ToDictionary(t => t, t =>
        {
            var json = Run(db, $".mode json\nSELECT * FROM \"{t}\" ORDER BY rowid;");
            return json.Trim().Length == 0 ? [] : JsonNode.Parse(json)!.AsArray().Select(row => row!.ToJsonString()).ToList();
        });
    }

    /// <summary>The key of a row from <see cref="DumpRows"/>: its Id, or the first column of a table without one.</summary>
    public static string RowKey(string row)
    {
        var columns = JsonNode.Parse(row)!.AsObject();
        return (columns["Id"] ?? columns.First().Value)!.ToString();
    }

    /// <summary>Tables with their columns (name, type, not-null, default, key) and indexes (name, uniqueness, columns), one line each.</summary>
    public static string Structure(string db) => Run(db, """
        SELECT 'table ' || m.name || ': ' || group_concat(c.name || ' ' || c.type || ' notnull=' || c."notnull" || ' default=' || ifnull(c.dflt_value, '-') || ' pk=' || c.pk, ', ')
          FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' GROUP BY m.name ORDER BY m.name;
        SELECT 'index ' || m.name || '.' || i.name || ' unique=' || i."unique" || ' origin=' || i.origin || ': ' ||
               (SELECT group_concat(x.name, ', ') FROM (SELECT name FROM pragma_index_info(i.name) ORDER BY seqno) x)
          FROM sqlite_master m JOIN pragma_index_list(m.name) i WHERE m.type = 'table' ORDER BY m.name, i.name;
        SELECT 'autoincrement ' || name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' ORDER BY name;
        """);
}
