using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Publishing;

/// <summary>
/// Copies what a run produced into one folder people can open: every artifact held by a workflow variable (the files
/// of this run and those reused from cache) and every folder a variable names below <c>runs/</c> (adapters, the
/// bootstrapped model), laid out as <c>&lt;outputFolder&gt;/&lt;activity id&gt;/…</c> exactly as under
/// <c>runs/&lt;instance&gt;/</c>, plus a <c>manifest.json</c> listing each file with its SHA-256. Each copy of a recorded
/// artifact is verified against its record (size and chunk digests) before the folder is swapped in.
/// <para>
/// The new folder is assembled beside the target and swapped in at the end, so an interrupted publication leaves the
/// previous one intact. An existing folder is replaced only when it is a previous publication (has
/// <c>manifest.json</c>) or empty; anything else is refused. Folders outside <c>runs/</c> (a user's base checkpoint) are
/// never copied.
/// </para>
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization", Cacheable = false,
    Description = "Copies the run's artifacts (one folder per activity), adapters and report plus a manifest.json to outputFolder.")]
public sealed class PublishRun : WorkflowActivity
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Where to publish (relative paths resolve against the current folder).</summary>
    [ActivityInput(Description = "Folder to publish to; replaced if it holds a previous publication.", Required = true)]
    public string OutputFolder { get; set; } = "";

    /// <summary>The full path of the published folder.</summary>
    [ActivityOutput(Description = "The published folder.")]
    public string? OutputPath { get; set; }

    /// <summary>Files published.</summary>
    [ActivityOutput(Description = "Files published.")]
    public int FileCount { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) throw new PipelineException("the output folder is empty", field: "outputFolder");
        var ct = context.CancellationToken;
        var target = Path.GetFullPath(OutputFolder).TrimEnd(Path.DirectorySeparatorChar);
        var runs = context.RunsDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if ((target + Path.DirectorySeparatorChar).StartsWith(runs, StringComparison.Ordinal) || runs.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new PipelineException($"the output folder {target} overlaps the runs folder {runs}", field: "outputFolder");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, ManifestFileName)))
            throw new PipelineException($"{target} exists and is not a previous publication (no {ManifestFileName}); choose another output folder or empty it", field: "outputFolder");

        var files = Collect(context.Variables, runs);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.publishing-{Guid.NewGuid():N}");
        try
        {
            var manifest = new JsonArray();
            var done = 0;
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                var destination = Path.Combine(staging, file.Relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file.Source, destination);
                var recorded = file.Recorded ?? context.FindRecordedArtifact(file.Source);
                if (recorded is not null) VerifyCopy(recorded, destination, file.Relative);
                manifest.Add(new JsonObject
                {
                    ["path"] = file.Relative.Replace(Path.DirectorySeparatorChar, '/'),
                    ["size"] = new FileInfo(destination).Length,
                    ["sha256"] = recorded?.Sha256 ?? ArtifactRef.HashFile(destination),
                    ["variable"] = file.Variable,
                });
                context.Progress.Report(new ActivityProgress(++done, files.Count, file.Relative));
            }
            var document = new JsonObject
            {
                ["workflow"] = context.WorkflowName,
                ["definitionId"] = context.WorkflowDefinitionId,
                ["instance"] = context.WorkflowInstanceId,
                ["publishedAt"] = DateTimeOffset.UtcNow.ToString("O"),
                ["files"] = manifest,
            };
            Directory.CreateDirectory(staging);
            File.WriteAllText(Path.Combine(staging, ManifestFileName), document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Swap(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        OutputPath = target;
        FileCount = files.Count;
        context.Log($"published {files.Count} files to {target}");
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Fails the publication when the copy is not what the activity wrote (a damaged source, a bad copy): a run never
    /// finishes with a published file that differs from its record.
    /// </summary>
    private static void VerifyCopy(ArtifactRef recorded, string destination, string relative)
    {
        var check = ArtifactVerifier.Verify(recorded with { Path = destination });
        if (check.IsIntact) return;
        throw new PipelineException(
            $"the published copy of {relative} differs from what its activity wrote ({check.Describe()}; source {recorded.Path}); "
            + "run `selfspec runs verify` to find the activity to recompute", field: "outputFolder");
    }

    private sealed record PublishedFile(string Source, string Relative, string Variable, ArtifactRef? Recorded);

    /// <summary>The files to publish, by destination path (first variable wins on a clash), in variable order.</summary>
    private static List<PublishedFile> Collect(IReadOnlyDictionary<string, object?> variables, string runs)
    {
        var files = new Dictionary<string, PublishedFile>(StringComparer.Ordinal);
        void Add(string source, string variable, ArtifactRef? recorded)
        {
            var relative = BelowInstance(source, runs);
            if (relative != null) files.TryAdd(relative, new PublishedFile(source, relative, variable, recorded));
        }
        foreach (var (name, value) in variables)
        {
            switch (value)
            {
                case ArtifactRef artifact when File.Exists(artifact.Path):
                    Add(artifact.Path, name, artifact);
                    break;
                case string path when path.Length > 0 && Path.IsPathFullyQualified(path) && Directory.Exists(path):
                    foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                        Add(file, name, null);
                    break;
            }
        }
        return files.Values.ToList();
    }

    /// <summary><c>&lt;activity&gt;/…</c> for a path under <c>runs/&lt;instance&gt;/</c>; null for anything else.</summary>
    private static string? BelowInstance(string path, string runs)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(runs, StringComparison.Ordinal)) return null;
        var rest = full[runs.Length..];
        var slash = rest.IndexOf(Path.DirectorySeparatorChar);
        return slash < 0 ? null : rest[(slash + 1)..];
    }

    /// <summary>Puts <paramref name="staging"/> in place of <paramref name="target"/>, keeping the old one until the new one is in.</summary>
    private static void Swap(string staging, string target)
    {
        string? previous = null;
        if (Directory.Exists(target))
        {
            previous = target + $".old-{Guid.NewGuid():N}";
            Directory.Move(target, previous);
        }
        Directory.Move(staging, target);
        if (previous != null) Directory.Delete(previous, recursive: true);
    }
}
