using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;

namespace SelfSpec.Workflows.Activities;

/// <summary>
/// What an executing activity gets from the runtime: cancellation, progress reporting, a private working folder
/// whose files become its artifacts, and (for flow-control activities) outcomes.
/// </summary>
public sealed class ActivityExecutionContext
{
    private readonly List<ArtifactRef> _artifacts = [];
    private string[]? _outcomes;
    private bool _folderCreated;
    private readonly string _workingDirectory;

    internal ActivityExecutionContext(WorkflowExecution execution, ActivityNode node, int attempt, string stagingDirectory, string finalDirectory,
        IProgress<ActivityProgress> progress, CancellationToken cancellationToken)
    {
        Execution = execution;
        Node = node;
        Attempt = attempt;
        _workingDirectory = stagingDirectory;
        FinalDirectory = finalDirectory;
        Progress = progress;
        CancellationToken = cancellationToken;
    }

    internal WorkflowExecution Execution { get; }

    internal ActivityNode Node { get; }

    internal string FinalDirectory { get; }

    internal bool HasWorkingDirectory => _folderCreated;

    /// <summary>The workflow instance id.</summary>
    public string WorkflowInstanceId => Execution.InstanceId;

    /// <summary>The running definition's id (stable across runs, unlike the instance id).</summary>
    public string WorkflowDefinitionId => Execution.Definition.DefinitionId;

    /// <summary>The running definition's name, or its id when it has none.</summary>
    public string WorkflowName => string.IsNullOrEmpty(Execution.Definition.Name) ? Execution.Definition.DefinitionId : Execution.Definition.Name;

    /// <summary>The activity id in the definition.</summary>
    public string ActivityId => Node.Id;

    /// <summary>The activity's display name.</summary>
    public string ActivityName => Node.DisplayName;

    /// <summary>The attempt number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Cancelled on Ctrl-C, <c>runs cancel</c> or a timeout. Pass it to every long call.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Report progress here; the CLI shows it as a progress bar on the activity's line.</summary>
    public IProgress<ActivityProgress> Progress { get; }

    /// <summary>
    /// The activity's private folder for this attempt (created on first use). When the activity completes the
    /// runtime moves it atomically to <c>runs/&lt;instance&gt;/&lt;activity&gt;/</c>; a failed or interrupted attempt's folder is discarded.
    /// </summary>
    public string WorkingDirectory
    {
        get
        {
            if (!_folderCreated) { Directory.CreateDirectory(_workingDirectory); _folderCreated = true; }
            return _workingDirectory;
        }
    }

    /// <summary>
    /// A folder of this activity in this workflow instance that outlives its attempts: unlike <see cref="WorkingDirectory"/>
    /// it is kept when an attempt is cancelled, fails or dies with the process, so <c>selfspec runs resume</c> (or a retry)
    /// finds what the earlier attempt left there, e.g. training checkpoints. Its files are never artifacts; the activity
    /// deletes them when it no longer needs them. <c>runs/&lt;instance&gt;/.resume/&lt;activity&gt;/</c>, created on first use.
    /// </summary>
    public string ResumeDirectory
    {
        get
        {
            var dir = Path.Combine(Path.GetDirectoryName(FinalDirectory)!, ".resume", Path.GetFileName(FinalDirectory));
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>The full path of <paramref name="relativePath"/> inside <see cref="WorkingDirectory"/>; its folder is created.</summary>
    public string GetArtifactPath(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(WorkingDirectory, relativePath));
        if (!full.StartsWith(Path.GetFullPath(WorkingDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{relativePath}' is outside the activity's working folder", nameof(relativePath));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>
    /// Registers a finished file in <see cref="WorkingDirectory"/> as an artifact: hashes it (SHA-256 and the chunk
    /// digests it is verified against before reuse, <see cref="ChunkDigests"/>) and returns
    /// the reference to its final location. Return it from an output property so downstream activities can use it.
    /// </summary>
    public ArtifactRef RegisterArtifact(string relativePath)
    {
        var staged = GetArtifactPath(relativePath);
        if (!File.Exists(staged)) throw new FileNotFoundException($"artifact '{relativePath}' was not written", staged);
        var relative = Path.GetRelativePath(WorkingDirectory, staged);
        var artifact = ArtifactRef.Create(staged, Path.Combine(FinalDirectory, relative));
        _artifacts.RemoveAll(a => a.Path == artifact.Path);
        _artifacts.Add(artifact);
        return artifact;
    }

    /// <summary>
    /// The record of <paramref name="path"/> when a completed activity of a run wrote it (a file below
    /// <c>runs/&lt;instance&gt;/&lt;activity&gt;/</c>), to verify a copy against; null otherwise.
    /// </summary>
    public ArtifactRef? FindRecordedArtifact(string path) => ArtifactProducer.Find(Execution.Store, path)?.Artifact;

    /// <summary>The artifacts registered so far.</summary>
    public IReadOnlyList<ArtifactRef> Artifacts => _artifacts;

    /// <summary>Chooses the outcomes (ports) to follow, for flow-control activities; <c>Done</c> when never called.</summary>
    public void SetOutcomes(params string[] outcomes) => _outcomes = outcomes;

    internal IReadOnlyList<string> Outcomes => _outcomes ?? ["Done"];

    /// <summary>Writes a line to the execution log (shown by <c>runs logs</c> and the live view).</summary>
    public void Log(string message) => Execution.WriteLine(Node, message);

    /// <summary>The current value of a workflow variable by name (or id); null if unset.</summary>
    public object? GetVariable(string name) => Execution.GetVariableByName(name);

    /// <summary>Every workflow variable by name with its current value (a snapshot).</summary>
    public IReadOnlyDictionary<string, object?> Variables => Execution.VariablesByName;

    /// <summary>The folder of all runs (<c>runs/</c>); each instance has <c>&lt;RunsDirectory&gt;/&lt;instance&gt;/&lt;activity&gt;/</c> below it.</summary>
    public string RunsDirectory => Path.GetFullPath(Execution.Runtime.Options.RunsDirectory);

    /// <summary>A workflow input by name; null if not given.</summary>
    public object? GetWorkflowInput(string name) => Execution.Input.GetValueOrDefault(name);

    internal void SetVariable(string variableId, object? value) => Execution.WriteVariable(variableId, value, this);

    internal Dictionary<string, object?> VariableWrites { get; } = [];
}
