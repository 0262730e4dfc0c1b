using SelfSpec.Pipeline.Documents;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using SelfSpec.Workflows.Validation;

namespace SelfSpec.Pipeline.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CurrentDirectoryCollection
{
    public const string Name = "changes the current directory";
}

/// <summary><c>workflows/build-pubmed-index.json</c>: its inputs, and a run end to end through the runtime.</summary>
[Collection(CurrentDirectoryCollection.Name)]
public class WorkflowDefinitionTests
{
    private static string WorkflowFile => Path.Combine(Paths.RepoRoot, "workflows", "build-pubmed-index.json");

    [Fact]
    public void DeclaresTheInputsAUserSets()
    {
        // The $schema line, validation and the lossless round trip are checked for every workflow file in MainJobTests.
        var definition = WorkflowDefinitionSerializer.ReadFile(WorkflowFile);
        Assert.Equal(["corpusPath", "indexFolder", "rebuild"], definition.Inputs.Select(i => i.Name));
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task RunsOnTheDemoCorpusWithInputsAndAgainWithTheDefaults()
    {
        using var host = new PipelineHost();
        var definition = WorkflowDefinitionSerializer.ReadFile(WorkflowFile);
        var indexFolder = host.Dir.Combine("pubmed-index");
        var log = new EventCollector();
        var result = await host.Runtime.RunAsync(definition, new WorkflowRunOptions
        {
            Input = new Dictionary<string, object?>
            {
                ["corpusPath"] = Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl"),
                ["indexFolder"] = indexFolder,
            },
            Events = log,
        });
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        Assert.Equal(306, IndexDescriptor.Load(Path.Combine(indexFolder, IndexDescriptor.StateFileName)).Documents);
        Assert.Contains(log.Lines, l => l == $"Index ready: 306 documents in {indexFolder}");

        // No inputs: the defaults resolve against the current directory (the repository root when run from the README).
        var previous = Environment.CurrentDirectory;
        var root = host.Dir.Combine("checkout");
        Directory.CreateDirectory(Path.Combine(root, "data", "corpus"));
        File.Copy(Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl"), Path.Combine(root, "data", "corpus", "demo_abstracts.jsonl"));
        try
        {
            Environment.CurrentDirectory = root;
            var defaults = await host.Runtime.RunAsync(definition);
            Assert.True(defaults.Status == WorkflowStatus.Finished, defaults.Error + string.Join("\n", defaults.Records.Select(r => r.Error)));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        Assert.True(File.Exists(Path.Combine(root, ".selfspec", "indexes", "demo", "documents.parquet")));
    }

    private sealed class EventCollector : IProgress<WorkflowEvent>
    {
        private readonly List<WorkflowEvent> _events = [];
        public void Report(WorkflowEvent value) { lock (_events) _events.Add(value); }
        public List<string> Lines { get { lock (_events) return _events.OfType<LineWritten>().Select(l => l.Text).ToList(); } }
    }
}
