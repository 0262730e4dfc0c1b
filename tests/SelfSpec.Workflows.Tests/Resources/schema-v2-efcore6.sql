-- Schema version 2 of the workflow store exactly as the EF Core 6.0.7 release created it: the CREATE statements
-- read back from sqlite_master of a store made by that release's EnsureCreated (kept to test opening such a store).
CREATE TABLE "ActivityExecutionRecords" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_ActivityExecutionRecords" PRIMARY KEY,
    "WorkflowInstanceId" TEXT NOT NULL,
    "ActivityId" TEXT NOT NULL,
    "ActivityNodeId" TEXT NOT NULL,
    "ActivityType" TEXT NOT NULL,
    "ActivityTypeVersion" INTEGER NOT NULL,
    "ActivityName" TEXT NOT NULL,
    "Occurrence" INTEGER NOT NULL,
    "Status" TEXT NOT NULL,
    "StartedAt" INTEGER NOT NULL,
    "CompletedAt" INTEGER NULL,
    "Attempts" INTEGER NOT NULL,
    "AttemptsJson" TEXT NOT NULL,
    "CacheKey" TEXT NOT NULL,
    "InputsJson" TEXT NOT NULL,
    "OutputsJson" TEXT NOT NULL,
    "VariableWritesJson" TEXT NOT NULL,
    "ArtifactsJson" TEXT NOT NULL,
    "OutcomesJson" TEXT NOT NULL,
    "ReusedFromId" TEXT NULL,
    "Error" TEXT NULL,
    "ErrorDetail" TEXT NULL
);
CREATE TABLE "Schedules" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Schedules" PRIMARY KEY,
    "DefinitionId" TEXT NOT NULL,
    "CronExpression" TEXT NOT NULL,
    "InputJson" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "LastFiredAt" INTEGER NULL,
    "LastInstanceId" TEXT NULL
);
CREATE TABLE "WorkflowDefinitions" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_WorkflowDefinitions" PRIMARY KEY,
    "DefinitionId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Version" INTEGER NOT NULL,
    "IsPublished" INTEGER NOT NULL,
    "IsLatest" INTEGER NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "Json" TEXT NOT NULL
);
CREATE TABLE "WorkflowExecutionLogRecords" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_WorkflowExecutionLogRecords" PRIMARY KEY AUTOINCREMENT,
    "WorkflowInstanceId" TEXT NOT NULL,
    "ActivityId" TEXT NULL,
    "ActivityType" TEXT NULL,
    "ActivityName" TEXT NULL,
    "Timestamp" INTEGER NOT NULL,
    "Sequence" INTEGER NOT NULL,
    "EventName" TEXT NOT NULL,
    "Message" TEXT NULL
);
CREATE TABLE "WorkflowInstanceDefinitions" (
    "WorkflowInstanceId" TEXT NOT NULL CONSTRAINT "PK_WorkflowInstanceDefinitions" PRIMARY KEY,
    "Json" TEXT NOT NULL
);
CREATE TABLE "WorkflowInstances" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_WorkflowInstances" PRIMARY KEY,
    "DefinitionId" TEXT NOT NULL,
    "DefinitionVersionId" TEXT NOT NULL,
    "Version" INTEGER NOT NULL,
    "Name" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "IsExecuting" INTEGER NOT NULL,
    "Owner" TEXT NULL,
    "CancelRequested" INTEGER NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "FinishedAt" INTEGER NULL,
    "InputJson" TEXT NOT NULL,
    "VariablesJson" TEXT NOT NULL,
    "OutputJson" TEXT NOT NULL,
    "ForceJson" TEXT NOT NULL,
    "SourceFile" TEXT NULL,
    "RunDirectory" TEXT NOT NULL,
    "Error" TEXT NULL
);
CREATE INDEX "IX_ActivityExecutionRecords_CacheKey_Status" ON "ActivityExecutionRecords" ("CacheKey", "Status");
CREATE INDEX "IX_ActivityExecutionRecords_WorkflowInstanceId_ActivityId_Occurrence" ON "ActivityExecutionRecords" ("WorkflowInstanceId", "ActivityId", "Occurrence");
CREATE INDEX "IX_Schedules_DefinitionId" ON "Schedules" ("DefinitionId");
CREATE INDEX "IX_WorkflowDefinitions_DefinitionId_Version" ON "WorkflowDefinitions" ("DefinitionId", "Version");
CREATE INDEX "IX_WorkflowExecutionLogRecords_WorkflowInstanceId_Sequence" ON "WorkflowExecutionLogRecords" ("WorkflowInstanceId", "Sequence");
CREATE INDEX "IX_WorkflowInstances_CreatedAt" ON "WorkflowInstances" ("CreatedAt");
CREATE INDEX "IX_WorkflowInstances_DefinitionId" ON "WorkflowInstances" ("DefinitionId");
PRAGMA journal_mode=WAL;
PRAGMA user_version=2;
