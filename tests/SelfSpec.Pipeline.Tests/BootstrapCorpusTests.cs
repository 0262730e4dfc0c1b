using System.Text.Json;
using System.Text.RegularExpressions;
using SelfSpec.Llm.Prompting;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Bootstrap;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Responses;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The bootstrap model's training corpus: the demo data rendered in the pipeline's own prompt formats.</summary>
public sealed class BootstrapCorpusTests
{
    private static readonly Lazy<IReadOnlyList<SeedRow>> SeedsLazy = new(() => SeedReader.Read(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl")));
    private static readonly Lazy<IReadOnlyList<DocumentRow>> AbstractsLazy = new(() =>
        File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl")).Where(l => l.Trim().Length > 0).Select(l =>
        {
            using var d = JsonDocument.Parse(l);
            var r = d.RootElement;
            return new DocumentRow(r.GetProperty("pmid").ToString(), r.GetProperty("title").GetString()!, r.GetProperty("abstract").GetString()!);
        }).ToList());

    internal static IReadOnlyList<SeedRow> Seeds => SeedsLazy.Value;
    internal static IReadOnlyList<DocumentRow> Abstracts => AbstractsLazy.Value;

    /// <summary>What the parser gives back for a seed: the instruction with whitespace collapsed and no trailing ':', input and output trimmed.</summary>
    private static (string, string, string) AsParsed(SeedRow s) =>
        (Regex.Replace(s.Instruction, @"\s+", " ").Trim().TrimEnd(':'), s.Input.Trim(), s.Output.Trim());

    [Fact]
    public void RenderedCompletionsParseBackIntoTheSeeds()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 40; trial++)
        {
            var items = Seeds.OrderBy(_ => random.Next()).Take(random.Next(1, 6)).ToArray();
            var first = random.Next(1, 6);
            var parsed = InstructionCompletionParser.Parse(BootstrapCorpus.RenderCompletion(first, items), first, truncated: false);
            Assert.Empty(parsed.Errors);
            Assert.Equal(items.Select(AsParsed), parsed.Items.Select(i => (i.Instruction, i.Input, i.Output)));
            Assert.Equal(Enumerable.Range(first, items.Length), parsed.Items.Select(i => i.Number));
        }
    }

    [Fact]
    public void InstructionGenerationDocumentsAreTheTable3PromptFollowedByParsableSeeds()
    {
        var options = new BootstrapCorpusOptions { InstructionPrompts = 30, RandomSeed = 5 };
        var docs = BootstrapCorpus.Build(Seeds, Abstracts, options).Where(d => d.Kind == BootstrapDocumentKind.InstructionGeneration).ToList();
        Assert.Equal(30, docs.Count);
        var header = new InstructionGenerationPrompt("biomedical").Header;
        var bySeed = Seeds.Select(AsParsed).ToHashSet();
        foreach (var doc in docs)
        {
            Assert.StartsWith(header + "\n###\n1. Instruction: ", doc.Text);
            Assert.EndsWith("\n</s>", doc.Text);
            const string opening = "###\n4. Instruction:";
            var at = doc.Text.IndexOf(opening, StringComparison.Ordinal);
            Assert.True(at > 0, "the prompt's closing line is missing");
            // Everything up to the prompt's closing label is context the model is not trained to write.
            Assert.Equal(at + opening.Length, doc.PromptLength);
            var completion = doc.Text[(at + opening.Length)..^"</s>".Length];
            var parsed = InstructionCompletionParser.Parse(completion, 4, truncated: false);
            Assert.Empty(parsed.Errors);
            Assert.InRange(parsed.Items.Count, options.MinCompletionItems, options.MaxCompletionItems);
            Assert.All(parsed.Items, i => Assert.Contains((i.Instruction, i.Input, i.Output), bySeed));
            // The demonstrations are not repeated as generated items.
            var demonstrations = InstructionCompletionParser.Parse(doc.Text[(doc.Text.IndexOf("1. Instruction:", StringComparison.Ordinal) + 15)..at], 1, false).Items;
            Assert.Equal(3, demonstrations.Count);
            Assert.Empty(demonstrations.Select(d => d.Instruction).Intersect(parsed.Items.Select(i => i.Instruction)));
        }
    }

    [Fact]
    public void EveryKindIsRenderedInThePipelinesFormatAndTheCorpusIsSeeded()
    {
        var options = new BootstrapCorpusOptions { InstructionPrompts = 10, RandomSeed = 2 };
        var docs = BootstrapCorpus.Build(Seeds, Abstracts, options);
        var counts = docs.GroupBy(d => d.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Abstracts.Count, counts[BootstrapDocumentKind.Abstract]);
        Assert.Equal(Seeds.Count, counts[BootstrapDocumentKind.Alpaca]);
        Assert.Equal(Seeds.Count, counts[BootstrapDocumentKind.ResponseGeneration]);
        Assert.Equal(Seeds.Count, counts[BootstrapDocumentKind.FewShot]);
        Assert.All(docs, d => Assert.EndsWith("</s>", d.Text));
        // Abstracts are trained on whole; every prompt-formatted document only on what follows its prompt.
        Assert.All(docs.Where(d => d.Kind == BootstrapDocumentKind.Abstract), d => Assert.Equal(0, d.PromptLength));
        Assert.All(docs.Where(d => d.Kind == BootstrapDocumentKind.Alpaca), d => Assert.EndsWith("### Response:", d.Text[..d.PromptLength]));
        Assert.All(docs.Where(d => d.Kind == BootstrapDocumentKind.ResponseGeneration), d => Assert.EndsWith("### Response:", d.Text[..d.PromptLength]));
        Assert.All(docs.Where(d => d.Kind == BootstrapDocumentKind.FewShot), d => Assert.EndsWith("Output:", d.Text[..d.PromptLength]));

        var alpaca = docs.Where(d => d.Kind == BootstrapDocumentKind.Alpaca).Select(d => d.Text).ToHashSet();
        Assert.All(Seeds, s => Assert.Contains(AlpacaTemplate.FormatExample(s.Instruction, s.Input, s.Output, "</s>"), alpaca));

        var response = new ResponseGenerationPrompt("biomedical");
        var responses = docs.Where(d => d.Kind == BootstrapDocumentKind.ResponseGeneration).Select(d => d.Text).ToList();
        Assert.All(Seeds, s => Assert.Contains(responses, t =>
            t.EndsWith("### Instruction:\n" + s.Instruction + "\n\n" + (s.Input.Length > 0 ? "### Input:\n" + s.Input + "\n\n" : "") + "### Response:" + s.Output + "</s>", StringComparison.Ordinal)));
        Assert.All(responses, t => Assert.StartsWith(response.SystemLine + "\n\n### Document:\n", t));

        var fewShot = docs.Where(d => d.Kind == BootstrapDocumentKind.FewShot).Select(d => d.Text).ToList();
        Assert.All(Seeds, s => Assert.Contains(fewShot, t =>
            t.StartsWith(s.Instruction.Trim() + "\n\n", StringComparison.Ordinal) && t.EndsWith("Input: " + s.Input + "\nOutput: " + s.Output + "</s>", StringComparison.Ordinal)));

        var again = BootstrapCorpus.Build(Seeds, Abstracts, options);
        Assert.Equal(docs, again);
        var other = BootstrapCorpus.Build(Seeds, Abstracts, options with { RandomSeed = 3 });
        Assert.NotEqual(docs.Select(d => d.Text), other.Select(d => d.Text));
    }
}

/// <summary>Unusable bootstrap settings are reported with the workflow input's name.</summary>
public sealed class BootstrapSettingsTests
{
    [Theory]
    [InlineData("vocabSize")]
    [InlineData("heads")]
    [InlineData("keyValueHeads")]
    [InlineData("sequenceLength")]
    [InlineData("trainingSteps")]
    public void EachBadSettingNamesItsInput(string field)
    {
        var good = new BootstrapSettings();
        good.Validate();
        var bad = field switch
        {
            "vocabSize" => good with { VocabSize = 300 },
            "heads" => good with { Heads = 5 },
            "keyValueHeads" => good with { KeyValueHeads = 2 },
            "sequenceLength" => good with { SequenceLength = good.MaxPositions + 1 },
            _ => good with { TrainingSteps = 0 },
        };
        var e = Assert.Throws<PipelineException>(bad.Validate);
        Assert.Equal(field, e.Field);
    }
}

/// <summary>The bootstrapper's optional training knobs reach the tokenizer and the loss.</summary>
public sealed class BootstrapperOptionsTests
{
    private static BootstrapSettings Tiny => new()
    {
        VocabSize = 700, HiddenSize = 32, Layers = 1, Heads = 2, KeyValueHeads = 2, TrainingSteps = 3, BatchSize = 2, SequenceLength = 64,
        Corpus = new BootstrapCorpusOptions { InstructionPrompts = 8 },
    };

    [Fact]
    public void ItemLabelTokensBecomeSingleNormalTokensOfTheSavedTokenizer()
    {
        using var dir = new TempDir("selfspec-bootstrap-labels-");
        BaseModelBootstrapper.Run(BootstrapCorpusTests.Seeds, BootstrapCorpusTests.Abstracts, Tiny with { ItemLabelTokens = true }, dir.FullPath);
        var tokenizer = SelfSpec.Tokenizers.Tokenizer.FromFile(Path.Combine(dir.FullPath, "tokenizer.json"));
        foreach (var label in new[] { "4. Instruction:", "4. Input:", "14. Output:" })
        {
            var ids = tokenizer.Encode(label, addSpecialTokens: false);
            Assert.Single(ids);
            Assert.False(tokenizer.IsSpecialToken(ids[0]), label);
        }
        using var plain = new TempDir("selfspec-bootstrap-plain-");
        BaseModelBootstrapper.Run(BootstrapCorpusTests.Seeds, BootstrapCorpusTests.Abstracts, Tiny, plain.FullPath);
        Assert.True(SelfSpec.Tokenizers.Tokenizer.FromFile(Path.Combine(plain.FullPath, "tokenizer.json")).Encode("4. Input:", addSpecialTokens: false).Length > 1);
    }

    [Fact]
    public void TrainingOnCompletionsOnlyChangesTheLossButNotTheCorpus()
    {
        // Same seed, same windows: only the targets differ, so the first step's loss must differ and the token count not.
        // One abstract, so the windows are almost all prompt-formatted documents.
        var abstracts = BootstrapCorpusTests.Abstracts.Take(1).ToList();
        using var a = new TempDir("selfspec-bootstrap-mask-a-");
        using var b = new TempDir("selfspec-bootstrap-mask-b-");
        var all = BaseModelBootstrapper.Run(BootstrapCorpusTests.Seeds, abstracts, Tiny, a.FullPath);
        var masked = BaseModelBootstrapper.Run(BootstrapCorpusTests.Seeds, abstracts,
            Tiny with { TrainOnCompletionsOnly = true, CompletionOnlyKinds = Enum.GetValues<BootstrapDocumentKind>().ToHashSet() }, b.FullPath);
        Assert.Equal(all.CorpusTokens, masked.CorpusTokens);
        Assert.NotEqual(all.Training.Log[0].Loss, masked.Training.Log[0].Loss);
    }
}
