using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace SelfSpec.Workflows.Persistence;

/// <summary>
/// The SQLite store of definitions, instances, activity executions, the execution log and schedules.
/// The schema is created or upgraded on open; the database runs in WAL mode so readers (<c>runs list</c>)
/// never block the executing process. One store object is safe to use from several threads.
/// </summary>
public sealed class WorkflowStore : IDisposable
{
    /// <summary>The schema version this code writes (<c>PRAGMA user_version</c>).</summary>
    public const int SchemaVersion = 2;

    private readonly SqliteConnection _connection;
    private readonly WorkflowDbContext _db;
    private readonly Lock _gate = new();
    private readonly HotPathCommands _hot;

    private WorkflowStore(string path, SqliteConnection connection, WorkflowDbContext db)
    {
        DatabasePath = path;
        _connection = connection;
        _db = db;
        _hot = new HotPathCommands(connection);
    }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens (creating if needed) the store at <paramref name="databasePath"/>.</summary>
    public static WorkflowStore Open(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        connection.Open();
        Exec(connection, "PRAGMA busy_timeout=15000;");
        Exec(connection, "PRAGMA journal_mode=WAL;");
        Exec(connection, "PRAGMA synchronous=NORMAL;");
        var options = new DbContextOptionsBuilder<WorkflowDbContext>().UseSqlite(connection).Options;
        var db = new WorkflowDbContext(options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        EnsureSchema(full, connection, db);
        return new WorkflowStore(full, connection, db);
    }

    private static void EnsureSchema(string path, SqliteConnection connection, WorkflowDbContext db)
    {
        // Two processes opening a fresh database at once must not both create tables: serialize on a file lock.
        using var schemaLock = FileLock.Acquire(path + ".schema-lock", TimeSpan.FromSeconds(30));
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
        if (version == SchemaVersion) return;
        if (version > SchemaVersion)
            throw new InvalidOperationException($"{path} has schema version {version}, newer than this program's {SchemaVersion}; upgrade selfspec.");
        if (version == 0)
        {
            // Fresh file: EF Core creates the current schema.
            db.Database.EnsureCreated();
            Exec(connection, $"PRAGMA user_version={SchemaVersion};");
            return;
        }
        using var tx = connection.BeginTransaction();
        foreach (var (from, sql) in Upgrades.Where(u => u.From >= version))
            Exec(connection, sql, tx);
        Exec(connection, $"PRAGMA user_version={SchemaVersion};", tx);
        tx.Commit();
    }

    /// <summary>Schema upgrades: each step takes a database at version <c>From</c> to <c>From + 1</c>.</summary>
    private static readonly (int From, string Sql)[] Upgrades =
    [
        // 1 → 2: the definition JSON moves out of the instance row, which is rewritten after every activity.
        (1, """
            CREATE TABLE "WorkflowInstanceDefinitions" ("WorkflowInstanceId" TEXT NOT NULL CONSTRAINT "PK_WorkflowInstanceDefinitions" PRIMARY KEY, "Json" TEXT NOT NULL);
            INSERT INTO "WorkflowInstanceDefinitions" ("WorkflowInstanceId", "Json") SELECT "Id", "DefinitionJson" FROM "WorkflowInstances";
            ALTER TABLE "WorkflowInstances" DROP COLUMN "DefinitionJson";
            """),
    ];

    private static void Exec(SqliteConnection c, string sql, SqliteTransaction tx)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private T Locked<T>(Func<WorkflowDbContext, T> work)
    {
        lock (_gate)
        {
            try { return work(_db); }
            finally { _db.ChangeTracker.Clear(); }
        }
    }

    private void Write(Action<WorkflowDbContext> work) => Locked(db => { work(db); db.SaveChanges(); return 0; });

    /// <summary>Stores a definition version (replacing a stored version with the same id) and marks it latest.</summary>
    public void SaveDefinition(WorkflowDefinitionRecord record) => Write(db =>
    {
        var now = DateTimeOffset.UtcNow;
        var existing = db.WorkflowDefinitions.AsNoTracking().FirstOrDefault(d => d.Id == record.Id);
        record.UpdatedAt = now;
        record.CreatedAt = existing?.CreatedAt ?? now;
        var others = db.WorkflowDefinitions.AsNoTracking().Where(d => d.DefinitionId == record.DefinitionId && d.Id != record.Id).ToList();
        record.IsLatest = others.All(o => o.Version <= record.Version);
        foreach (var o in others.Where(o => o.IsLatest && record.IsLatest)) { o.IsLatest = false; db.Update(o); }
        if (existing is null) db.Add(record); else db.Update(record);
    });

    /// <summary>The latest stored version of a definition (by definition id or version id), or null.</summary>
    public WorkflowDefinitionRecord? FindDefinition(string id) => Locked(db =>
        db.WorkflowDefinitions.FirstOrDefault(d => d.Id == id)
        ?? db.WorkflowDefinitions.Where(d => d.DefinitionId == id).OrderByDescending(d => d.Version).FirstOrDefault());

    /// <summary>All stored definitions, latest versions only.</summary>
    public IReadOnlyList<WorkflowDefinitionRecord> ListDefinitions() => Locked(db =>
        db.WorkflowDefinitions.Where(d => d.IsLatest).OrderBy(d => d.Name).ToList());

    /// <summary>Every stored version of a definition, newest first.</summary>
    public IReadOnlyList<WorkflowDefinitionRecord> ListDefinitionVersions(string definitionId) => Locked(db =>
        db.WorkflowDefinitions.Where(d => d.DefinitionId == definitionId).OrderByDescending(d => d.Version).ToList());

    /// <summary>Every stored version of every definition.</summary>
    public IReadOnlyList<WorkflowDefinitionRecord> ListAllDefinitionVersions() => Locked(db =>
        db.WorkflowDefinitions.OrderBy(d => d.DefinitionId).ThenBy(d => d.Version).ToList());

    /// <summary>
    /// Deletes one version (<paramref name="version"/>) or, when null, every version of a definition; the newest remaining
    /// version becomes latest. Returns how many versions were deleted. Instances keep the definition JSON they ran.
    /// </summary>
    public int DeleteDefinition(string definitionId, int? version = null) => Locked(db =>
    {
        using var tx = db.Database.BeginTransaction();
        var deleted = version is { } v
            ? db.Database.ExecuteSqlInterpolated($"DELETE FROM WorkflowDefinitions WHERE DefinitionId = {definitionId} AND Version = {v}")
            : db.Database.ExecuteSqlInterpolated($"DELETE FROM WorkflowDefinitions WHERE DefinitionId = {definitionId}");
        db.Database.ExecuteSqlInterpolated($@"UPDATE WorkflowDefinitions SET IsLatest = (Id = (SELECT Id FROM WorkflowDefinitions WHERE DefinitionId = {definitionId} ORDER BY Version DESC LIMIT 1)) WHERE DefinitionId = {definitionId}");
        tx.Commit();
        return deleted;
    });

    /// <summary>Adds an instance together with the definition JSON it runs.</summary>
    public void AddInstance(WorkflowInstanceRecord instance, string definitionJson) => Write(db =>
    {
        db.Add(instance);
        db.Add(new WorkflowInstanceDefinitionRecord { WorkflowInstanceId = instance.Id, Json = definitionJson });
    });

    /// <summary>The definition JSON an instance runs.</summary>
    public string GetInstanceDefinition(string instanceId) => Locked(db =>
        db.WorkflowInstanceDefinitions.Where(d => d.WorkflowInstanceId == instanceId).Select(d => d.Json).FirstOrDefault()
        ?? throw new InvalidOperationException($"instance {instanceId} has no stored definition"));

    /// <summary>Saves the mutable columns of an instance (not the definition and input it was created with).</summary>
    public void UpdateInstance(WorkflowInstanceRecord instance) => Write(db => MarkModified(db, instance));

    private static void MarkModified(WorkflowDbContext db, WorkflowInstanceRecord instance)
    {
        var entry = db.Attach(instance);
        foreach (var p in entry.Properties)
            if (p.Metadata.Name is not (nameof(WorkflowInstanceRecord.Id)
                or nameof(WorkflowInstanceRecord.InputJson) or nameof(WorkflowInstanceRecord.ForceJson) or nameof(WorkflowInstanceRecord.CreatedAt)))
                p.IsModified = true;
    }

    /// <summary>The instance with <paramref name="id"/> (or a unique id prefix), or null.</summary>
    public WorkflowInstanceRecord? FindInstance(string id) => Locked(db =>
    {
        var exact = db.WorkflowInstances.FirstOrDefault(i => i.Id == id);
        if (exact is not null || id.Length < 4) return exact;
        var matches = db.WorkflowInstances.Where(i => i.Id.StartsWith(id)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    });

    /// <summary>The newest instances first.</summary>
    public IReadOnlyList<WorkflowInstanceRecord> ListInstances(int limit = 50, WorkflowStatus? status = null) => Locked(db =>
    {
        var q = db.WorkflowInstances.AsQueryable();
        if (status is { } s) q = q.Where(i => i.Status == s);
        return q.OrderByDescending(i => i.CreatedAt).Take(limit).ToList();
    });

    /// <summary>Sets the cancel-requested flag; returns false if the instance does not exist.</summary>
    public bool RequestCancel(string instanceId) => Locked(db =>
    {
        var rows = db.Database.ExecuteSqlInterpolated($"UPDATE WorkflowInstances SET CancelRequested = 1 WHERE Id = {instanceId}");
        return rows > 0;
    });

    /// <summary>Whether a cancel was requested for the instance.</summary>
    public bool IsCancelRequested(string instanceId) => Locked(db =>
        db.WorkflowInstances.Where(i => i.Id == instanceId).Select(i => i.CancelRequested).FirstOrDefault());

    /// <summary>Refreshes <c>UpdatedAt</c> of an executing instance.</summary>
    public void Heartbeat(string instanceId) => Locked(db =>
        db.Database.ExecuteSqlInterpolated($"UPDATE WorkflowInstances SET UpdatedAt = {DateTimeOffset.UtcNow.UtcTicks} WHERE Id = {instanceId}"));

    /// <summary>Adds an activity execution record and log entries in one transaction.</summary>
    public void AddRecord(ActivityExecutionRecord record, params IEnumerable<WorkflowExecutionLogRecord> log) => SaveRecord(record, null, log, insert: true);

    /// <summary>
    /// Saves an activity execution record, log entries and (optionally) the instance's progress columns
    /// (UpdatedAt, VariablesJson, OutputJson) in one transaction.
    /// </summary>
    public void UpdateRecord(ActivityExecutionRecord record, WorkflowInstanceRecord? instance, params IEnumerable<WorkflowExecutionLogRecord> log) =>
        SaveRecord(record, instance, log, insert: false);

    private void SaveRecord(ActivityExecutionRecord record, WorkflowInstanceRecord? instance, IEnumerable<WorkflowExecutionLogRecord> log, bool insert)
    {
        lock (_gate)
        {
            using var tx = _connection.BeginTransaction();
            if (insert) _hot.UpsertRecord(tx, record); else _hot.SaveRecord(tx, record);
            foreach (var entry in log) _hot.InsertLog(tx, entry);
            if (instance is not null) _hot.UpdateInstanceProgress(tx, instance);
            tx.Commit();
        }
    }

    /// <summary>Saves the instance's progress columns (UpdatedAt, VariablesJson, OutputJson).</summary>
    public void UpdateInstanceProgress(WorkflowInstanceRecord instance)
    {
        lock (_gate)
        {
            using var tx = _connection.BeginTransaction();
            _hot.UpdateInstanceProgress(tx, instance);
            tx.Commit();
        }
    }

    /// <summary>Appends log entries.</summary>
    public void AddLog(params IEnumerable<WorkflowExecutionLogRecord> log)
    {
        lock (_gate)
        {
            using var tx = _connection.BeginTransaction();
            foreach (var entry in log) _hot.InsertLog(tx, entry);
            tx.Commit();
        }
    }

    /// <summary>Every activity record of an instance in execution order.</summary>
    public IReadOnlyList<ActivityExecutionRecord> GetRecords(string instanceId) => Locked(db =>
        db.ActivityExecutionRecords.Where(r => r.WorkflowInstanceId == instanceId).OrderBy(r => r.StartedAt).ThenBy(r => r.Occurrence).ToList());

    /// <summary>One activity execution record by its id, or null.</summary>
    public ActivityExecutionRecord? FindRecord(string id) => Locked(db => db.ActivityExecutionRecords.FirstOrDefault(r => r.Id == id));

    /// <summary>The newest completed execution with <paramref name="cacheKey"/>, or null.</summary>
    public ActivityExecutionRecord? FindCompleted(string cacheKey)
    {
        lock (_gate) return _hot.FindCompleted(cacheKey);
    }

    /// <summary>The execution log of an instance in order.</summary>
    public IReadOnlyList<WorkflowExecutionLogRecord> GetLog(string instanceId, long afterSequence = 0) => Locked(db =>
        db.WorkflowExecutionLogRecords.Where(l => l.WorkflowInstanceId == instanceId && l.Sequence > afterSequence).OrderBy(l => l.Sequence).ToList());

    /// <summary>The highest log sequence number of an instance (0 if none).</summary>
    public long LastLogSequence(string instanceId) => Locked(db =>
        db.WorkflowExecutionLogRecords.Where(l => l.WorkflowInstanceId == instanceId).Select(l => (long?)l.Sequence).Max() ?? 0);

    /// <summary>Adds or replaces a schedule.</summary>
    public void SaveSchedule(ScheduleRecord schedule) => Write(db =>
    {
        if (db.Schedules.AsNoTracking().Any(s => s.Id == schedule.Id)) db.Update(schedule); else db.Add(schedule);
    });

    /// <summary>All schedules.</summary>
    public IReadOnlyList<ScheduleRecord> ListSchedules() => Locked(db => db.Schedules.OrderBy(s => s.CreatedAt).ToList());

    /// <summary>Removes a schedule; false if it did not exist.</summary>
    public bool RemoveSchedule(string id) => Locked(db =>
        db.Database.ExecuteSqlInterpolated($"DELETE FROM Schedules WHERE Id = {id}") > 0);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _hot.Dispose();
            _db.Dispose();
            _connection.Dispose();
        }
    }
}
