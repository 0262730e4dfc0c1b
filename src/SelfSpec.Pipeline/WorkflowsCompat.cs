// The activity context type of SelfSpec.Workflows. It is renamed ActivityExecutionContext on the workflows branch; when
// that branch is merged, change the right-hand side of this line and nothing else in this project.
global using PipelineActivityContext = SelfSpec.Workflows.Activities.ActivityContext;
