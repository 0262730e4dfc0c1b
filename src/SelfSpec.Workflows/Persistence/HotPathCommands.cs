using Microsoft.Data.Sqlite;

namespace SelfSpec.Workflows.Persistence;

/// <summary>
/// The writes and the lookup made for every activity execution, as prepared SQLite commands on the store's
/// connection. EF Core owns the schema and every other query; these few statements bypass its change tracker,
/// which costs several times the SQLite work itself per activity (see bench/results/workflows.md).
/// Column names are EF Core's (property names); the schema test keeps the two in step.
/// </summary>
internal sealed class HotPathCommands(SqliteConnection connection) : IDisposable
{
    private static readonly string[] RecordColumns =
    [
        "Id", "WorkflowInstanceId", "ActivityId", "ActivityNodeId", "ActivityType", "ActivityTypeVersion", "ActivityName", "Occurrence",
        "Status", "StartedAt", "CompletedAt", "Attempts", "AttemptsJson", "CacheKey", "InputsJson", "OutputsJson", "VariableWritesJson",
        "ArtifactsJson", "OutcomesJson", "ReusedFromId", "Error", "ErrorDetail",
    ];

    private static readonly string[] CompletionColumns =
    [
        "Status", "CompletedAt", "Attempts", "AttemptsJson", "OutputsJson", "VariableWritesJson", "ArtifactsJson", "OutcomesJson",
        "ReusedFromId", "Error", "ErrorDetail",
    ];

    private SqliteCommand? _upsertRecord, _completeRecord, _insertLog, _updateInstance, _findCompleted;

    /// <summary>Writes the columns that change when an execution ends; inserts the whole row if it is not there yet.</summary>
    public void SaveRecord(SqliteTransaction tx, ActivityExecutionRecord r)
    {
        var cmd = _completeRecord ??= Prepare(
            $"UPDATE ActivityExecutionRecords SET {string.Join(", ", CompletionColumns.Select(c => $"{c} = ${c}"))} WHERE Id = $Id",
            [.. CompletionColumns, "Id"]);
        cmd.Transaction = tx;
        Set(cmd, "Status", r.Status.ToString()); Set(cmd, "CompletedAt", r.CompletedAt?.UtcTicks); Set(cmd, "Attempts", r.Attempts);
        Set(cmd, "AttemptsJson", r.AttemptsJson); Set(cmd, "OutputsJson", r.OutputsJson); Set(cmd, "VariableWritesJson", r.VariableWritesJson);
        Set(cmd, "ArtifactsJson", r.ArtifactsJson); Set(cmd, "OutcomesJson", r.OutcomesJson); Set(cmd, "ReusedFromId", r.ReusedFromId);
        Set(cmd, "Error", r.Error); Set(cmd, "ErrorDetail", r.ErrorDetail); Set(cmd, "Id", r.Id);
        if (cmd.ExecuteNonQuery() == 0) UpsertRecord(tx, r);
    }

    public void UpsertRecord(SqliteTransaction tx, ActivityExecutionRecord r)
    {
        var cmd = _upsertRecord ??= Prepare(
            $"INSERT OR REPLACE INTO ActivityExecutionRecords ({string.Join(", ", RecordColumns)}) VALUES ({string.Join(", ", RecordColumns.Select(c => "$" + c))})",
            RecordColumns);
        cmd.Transaction = tx;
        Set(cmd, "Id", r.Id); Set(cmd, "WorkflowInstanceId", r.WorkflowInstanceId); Set(cmd, "ActivityId", r.ActivityId);
        Set(cmd, "ActivityNodeId", r.ActivityNodeId); Set(cmd, "ActivityType", r.ActivityType); Set(cmd, "ActivityTypeVersion", r.ActivityTypeVersion);
        Set(cmd, "ActivityName", r.ActivityName); Set(cmd, "Occurrence", r.Occurrence); Set(cmd, "Status", r.Status.ToString());
        Set(cmd, "StartedAt", r.StartedAt.UtcTicks); Set(cmd, "CompletedAt", r.CompletedAt?.UtcTicks); Set(cmd, "Attempts", r.Attempts);
        Set(cmd, "AttemptsJson", r.AttemptsJson); Set(cmd, "CacheKey", r.CacheKey); Set(cmd, "InputsJson", r.InputsJson);
        Set(cmd, "OutputsJson", r.OutputsJson); Set(cmd, "VariableWritesJson", r.VariableWritesJson); Set(cmd, "ArtifactsJson", r.ArtifactsJson);
        Set(cmd, "OutcomesJson", r.OutcomesJson); Set(cmd, "ReusedFromId", r.ReusedFromId); Set(cmd, "Error", r.Error); Set(cmd, "ErrorDetail", r.ErrorDetail);
        cmd.ExecuteNonQuery();
    }

    public void InsertLog(SqliteTransaction tx, WorkflowExecutionLogRecord l)
    {
        var cmd = _insertLog ??= Prepare(
            "INSERT INTO WorkflowExecutionLogRecords (WorkflowInstanceId, ActivityId, ActivityType, ActivityName, Timestamp, Sequence, EventName, Message) " +
            "VALUES ($WorkflowInstanceId, $ActivityId, $ActivityType, $ActivityName, $Timestamp, $Sequence, $EventName, $Message)",
            ["WorkflowInstanceId", "ActivityId", "ActivityType", "ActivityName", "Timestamp", "Sequence", "EventName", "Message"]);
        cmd.Transaction = tx;
        Set(cmd, "WorkflowInstanceId", l.WorkflowInstanceId); Set(cmd, "ActivityId", l.ActivityId); Set(cmd, "ActivityType", l.ActivityType);
        Set(cmd, "ActivityName", l.ActivityName); Set(cmd, "Timestamp", l.Timestamp.UtcTicks); Set(cmd, "Sequence", l.Sequence);
        Set(cmd, "EventName", l.EventName); Set(cmd, "Message", l.Message);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Progress columns only: never CancelRequested, which another process may be setting.</summary>
    public void UpdateInstanceProgress(SqliteTransaction tx, WorkflowInstanceRecord i)
    {
        var cmd = _updateInstance ??= Prepare(
            "UPDATE WorkflowInstances SET UpdatedAt = $UpdatedAt, VariablesJson = $VariablesJson, OutputJson = $OutputJson WHERE Id = $Id",
            ["UpdatedAt", "VariablesJson", "OutputJson", "Id"]);
        cmd.Transaction = tx;
        Set(cmd, "UpdatedAt", i.UpdatedAt.UtcTicks); Set(cmd, "VariablesJson", i.VariablesJson); Set(cmd, "OutputJson", i.OutputJson); Set(cmd, "Id", i.Id);
        cmd.ExecuteNonQuery();
    }

    public ActivityExecutionRecord? FindCompleted(string cacheKey)
    {
        var cmd = _findCompleted ??= Prepare(
            $"SELECT {string.Join(", ", RecordColumns)} FROM ActivityExecutionRecords WHERE CacheKey = $CacheKey AND Status = 'Completed' ORDER BY CompletedAt DESC LIMIT 1",
            ["CacheKey"]);
        cmd.Transaction = null;
        Set(cmd, "CacheKey", cacheKey);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) return null;
        string? S(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new ActivityExecutionRecord
        {
            Id = reader.GetString(0), WorkflowInstanceId = reader.GetString(1), ActivityId = reader.GetString(2), ActivityNodeId = reader.GetString(3),
            ActivityType = reader.GetString(4), ActivityTypeVersion = reader.GetInt32(5), ActivityName = reader.GetString(6), Occurrence = reader.GetInt32(7),
            Status = Enum.Parse<ActivityStatus>(reader.GetString(8)), StartedAt = new DateTimeOffset(reader.GetInt64(9), TimeSpan.Zero),
            CompletedAt = reader.IsDBNull(10) ? null : new DateTimeOffset(reader.GetInt64(10), TimeSpan.Zero), Attempts = reader.GetInt32(11),
            AttemptsJson = reader.GetString(12), CacheKey = reader.GetString(13), InputsJson = reader.GetString(14), OutputsJson = reader.GetString(15),
            VariableWritesJson = reader.GetString(16), ArtifactsJson = reader.GetString(17), OutcomesJson = reader.GetString(18),
            ReusedFromId = S(19), Error = S(20), ErrorDetail = S(21),
        };
    }

    private SqliteCommand Prepare(string sql, IEnumerable<string> parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter("$" + p, null));
        return cmd;
    }

    private static void Set(SqliteCommand cmd, string name, object? value) => cmd.Parameters["$" + name].Value = value ?? DBNull.Value;

    public void Dispose()
    {
        _upsertRecord?.Dispose();
        _insertLog?.Dispose();
        _updateInstance?.Dispose();
        _findCompleted?.Dispose();
    }
}
