using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Workflows.Tests.TestWorkflow;

namespace SelfSpec.Workflows.Tests;

public class SchemaUpgradeTests
{
    [Fact]
    public async Task AVersion1DatabaseIsUpgradedInPlaceAndItsInstancesStillResume()
    {
        ExternalReference.RequireProgram("sqlite3", debianPackage: "sqlite3");
        using var dir = new TempDir("selfspec-upgrade-");
        var db = dir.Combine(".selfspec", "workflows.db");
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        var definition = new TestWorkflow().Add("hello", "Elsa.WriteLine", ("text", Lit("hello"))).Build("old");
        var json = WorkflowDefinitionSerializer.Write(definition).Replace("'", "''");
        var sql = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Resources", "schema-v1.sql")) + $"""

            INSERT INTO WorkflowInstances (Id, DefinitionId, DefinitionVersionId, Version, Name, Status, IsExecuting, CancelRequested,
              CreatedAt, UpdatedAt, InputJson, VariablesJson, OutputJson, ForceJson, DefinitionJson, RunDirectory)
            VALUES ('old1', 'old', 'old-v1', 1, 'old', 'Faulted', 0, 0, 638000000000000000, 638000000000000000, '{"{}"}', '{"{}"}', '{"{}"}', '[]', '{json}', '{dir.Combine("runs", "old1")}');
            """;
        var created = ChildProcess.Run("sqlite3", [db], stdin: sql);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("1", ChildProcess.Run("sqlite3", [db, "PRAGMA user_version;"]).StdOut.Trim());

        using (var store = WorkflowStore.Open(db))
        {
            Assert.Contains("\"old-v1\"", store.GetInstanceDefinition("old1"));
            var runtime = new Execution.WorkflowRuntime(store, TestHome.Registry, new Execution.WorkflowRuntimeOptions { RunsDirectory = dir.Combine("runs") });
            var resumed = await runtime.ResumeAsync("old1");
            Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        }
        Assert.Equal(WorkflowStore.SchemaVersion.ToString(), ChildProcess.Run("sqlite3", [db, "PRAGMA user_version;"]).StdOut.Trim());
        var columns = ChildProcess.Run("sqlite3", [db, "SELECT name FROM pragma_table_info('WorkflowInstances');"]).StdOut;
        Assert.DoesNotContain("DefinitionJson", columns);
    }
}
