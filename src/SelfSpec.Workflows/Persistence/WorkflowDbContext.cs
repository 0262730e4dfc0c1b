using Microsoft.EntityFrameworkCore;

namespace SelfSpec.Workflows.Persistence;

/// <summary>The EF Core model of the workflow store (SQLite).</summary>
public sealed class WorkflowDbContext(DbContextOptions<WorkflowDbContext> options) : DbContext(options)
{
    /// <summary>Definition versions.</summary>
    public DbSet<WorkflowDefinitionRecord> WorkflowDefinitions => Set<WorkflowDefinitionRecord>();
    /// <summary>Instances.</summary>
    public DbSet<WorkflowInstanceRecord> WorkflowInstances => Set<WorkflowInstanceRecord>();
    /// <summary>The definition each instance runs.</summary>
    public DbSet<WorkflowInstanceDefinitionRecord> WorkflowInstanceDefinitions => Set<WorkflowInstanceDefinitionRecord>();
    /// <summary>Activity executions.</summary>
    public DbSet<ActivityExecutionRecord> ActivityExecutionRecords => Set<ActivityExecutionRecord>();
    /// <summary>The execution log.</summary>
    public DbSet<WorkflowExecutionLogRecord> WorkflowExecutionLogRecords => Set<WorkflowExecutionLogRecord>();
    /// <summary>Cron schedules.</summary>
    public DbSet<ScheduleRecord> Schedules => Set<ScheduleRecord>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder b)
    {
        // SQLite cannot order by DateTimeOffset natively; store UTC ticks.
        var offsetToTicks = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
            v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        var nullableOffsetToTicks = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset?, long?>(
            v => v.HasValue ? v.Value.UtcTicks : null, v => v.HasValue ? new DateTimeOffset(v.Value, TimeSpan.Zero) : null);
        foreach (var entity in b.Model.GetEntityTypes())
            foreach (var p in entity.GetProperties())
            {
                if (p.ClrType == typeof(DateTimeOffset)) p.SetValueConverter(offsetToTicks);
                if (p.ClrType == typeof(DateTimeOffset?)) p.SetValueConverter(nullableOffsetToTicks);
            }

        b.Entity<WorkflowDefinitionRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.DefinitionId, x.Version });
        });
        b.Entity<WorkflowInstanceRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Status).HasConversion<string>();
            e.HasIndex(x => x.CreatedAt);
            e.HasIndex(x => x.DefinitionId);
        });
        b.Entity<WorkflowInstanceDefinitionRecord>(e => e.HasKey(x => x.WorkflowInstanceId));
        b.Entity<ActivityExecutionRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Status).HasConversion<string>();
            e.HasIndex(x => new { x.WorkflowInstanceId, x.ActivityId, x.Occurrence });
            e.HasIndex(x => new { x.CacheKey, x.Status });
        });
        b.Entity<WorkflowExecutionLogRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WorkflowInstanceId, x.Sequence });
        });
        b.Entity<ScheduleRecord>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.DefinitionId);
        });
    }
}
