using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Llm.Prompting;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Responses;

namespace SelfSpec.Pipeline.Bootstrap;

/// <summary>What a bootstrap training document is.</summary>
public enum BootstrapDocumentKind
{
    /// <summary>A demo abstract: title and text.</summary>
    Abstract,
    /// <summary>The Table 3 instruction-generation prompt followed by further seeds as numbered items.</summary>
    InstructionGeneration,
    /// <summary>The response-generation prompt (with a demo abstract as the document) followed by the seed's output.</summary>
    ResponseGeneration,
    /// <summary>A seed in the Alpaca template, as TrainAdapter tunes with and the evaluation prompts tuned models.</summary>
    Alpaca,
    /// <summary>The evaluation's plain k-shot prompt for base models followed by the seed's output.</summary>
    FewShot,
}

/// <summary>One training text of the bootstrap corpus; <see cref="Text"/> ends with the end-of-sequence token.</summary>
/// <param name="Kind">Which format it is.</param>
/// <param name="Text">The text, ending with <see cref="BootstrapCorpusOptions.EosToken"/>.</param>
/// <param name="PromptLength">How many leading characters of <see cref="Text"/> are a prompt the model reads but is not
/// trained to write (see <see cref="BootstrapSettings.TrainOnCompletionsOnly"/>); 0 for plain text.</param>
public sealed record BootstrapDocument(BootstrapDocumentKind Kind, string Text, int PromptLength = 0);

/// <summary>How many documents of each kind <see cref="BootstrapCorpus.Build"/> renders.</summary>
public sealed record BootstrapCorpusOptions
{
    /// <summary>The domain written into the Table 3 prompts.</summary>
    public string Domain { get; init; } = "biomedical";

    /// <summary>The seed of every random choice; the same seed gives the same corpus.</summary>
    public int RandomSeed { get; init; } = 1;

    /// <summary>Instruction-generation prompts rendered with a completion.</summary>
    public int InstructionPrompts { get; init; } = 240;

    /// <summary>Seed demonstrations per instruction-generation prompt (the paper: 3).</summary>
    public int DemonstrationsPerPrompt { get; init; } = 3;

    /// <summary>The fewest further items in a rendered completion.</summary>
    public int MinCompletionItems { get; init; } = 2;

    /// <summary>The most further items in a rendered completion.</summary>
    public int MaxCompletionItems { get; init; } = 4;

    /// <summary>Response-generation documents per seed.</summary>
    public int ResponsePromptsPerSeed { get; init; } = 1;

    /// <summary>Alpaca-template documents per seed.</summary>
    public int AlpacaCopiesPerSeed { get; init; } = 1;

    /// <summary>Plain k-shot documents per seed (k drawn from 0 to <see cref="MaxShots"/>).</summary>
    public int FewShotPromptsPerSeed { get; init; } = 1;

    /// <summary>The most demonstrations in a k-shot document.</summary>
    public int MaxShots { get; init; } = 3;

    /// <summary>Copies of each abstract.</summary>
    public int AbstractCopies { get; init; } = 1;

    /// <summary>The end-of-sequence token that closes every document (the tokenizer's EOS).</summary>
    public string EosToken { get; init; } = "</s>";
}

/// <summary>
/// The training corpus of the bootstrap model: the demo abstracts, and the seeds rendered in every prompt format the
/// pipeline will put to the model, so that a small model trained from scratch answers them in the expected shape:
/// the Table 3 instruction-generation prompt (<see cref="InstructionGenerationPrompt"/>, demonstrations from a
/// <see cref="SeedSampler"/>) continued by further seeds as numbered items that <see cref="InstructionCompletionParser"/>
/// reads back; the response-generation prompt (<see cref="ResponseGenerationPrompt"/>, a demo abstract as the document);
/// the Alpaca template (<see cref="AlpacaTemplate.FormatExample"/>); and the evaluation's plain k-shot prompt
/// (<see cref="FewShotPromptBuilder"/>). Documents come out shuffled; everything is deterministic given the options.
/// </summary>
public static class BootstrapCorpus
{
    /// <summary>Renders the corpus.</summary>
    /// <param name="seeds">The seed tasks (at least <see cref="BootstrapCorpusOptions.DemonstrationsPerPrompt"/> + 1).</param>
    /// <param name="abstracts">The demo abstracts (title and abstract; at least one).</param>
    /// <param name="options">Counts and the random seed.</param>
    public static IReadOnlyList<BootstrapDocument> Build(IReadOnlyList<SeedRow> seeds, IReadOnlyList<DocumentRow> abstracts, BootstrapCorpusOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(abstracts);
        options ??= new BootstrapCorpusOptions();
        if (seeds.Count < options.DemonstrationsPerPrompt + 1)
            throw new ArgumentException($"the corpus needs at least {options.DemonstrationsPerPrompt + 1} seeds, got {seeds.Count}", nameof(seeds));
        if (abstracts.Count == 0) throw new ArgumentException("the corpus needs at least one abstract", nameof(abstracts));
        if (options.MinCompletionItems < 1 || options.MaxCompletionItems < options.MinCompletionItems)
            throw new ArgumentException("completion items need 1 ≤ MinCompletionItems ≤ MaxCompletionItems", nameof(options));

        var random = new Random(options.RandomSeed);
        var eos = options.EosToken;
        var documents = new List<BootstrapDocument>();

        foreach (var a in abstracts)
            for (var c = 0; c < options.AbstractCopies; c++)
                documents.Add(new BootstrapDocument(BootstrapDocumentKind.Abstract, DocumentText(a) + eos));

        // Table 3 prompts. The demonstrations come from a sampler seeded apart from GenerateInstructions' own, so the
        // model learns the shape of the task rather than the completions of the exact prompts it will be given.
        var prompt = new InstructionGenerationPrompt(options.Domain);
        var sampler = new SeedSampler(seeds, unchecked(options.RandomSeed * 7919 + 104729), options.DemonstrationsPerPrompt);
        var firstNumber = InstructionGenerationPrompt.FirstGeneratedNumber(options.DemonstrationsPerPrompt);
        for (var p = 0; p < options.InstructionPrompts; p++)
        {
            var demonstrations = sampler.ForPrompt(p);
            var shown = demonstrations.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var others = seeds.Where(s => !shown.Contains(s.Id)).ToArray();
            random.Shuffle(others);
            var count = Math.Min(others.Length, random.Next(options.MinCompletionItems, options.MaxCompletionItems + 1));
            var promptText = prompt.Build(demonstrations);
            var text = promptText + RenderCompletion(firstNumber, others.Take(count).ToArray()) + eos;
            documents.Add(new BootstrapDocument(BootstrapDocumentKind.InstructionGeneration, text, promptText.Length));
        }

        var responsePrompt = new ResponseGenerationPrompt(options.Domain);
        var tasks = new SeedTaskSet(seeds.GroupBy(s => s.Task, StringComparer.Ordinal)
            .Select(g => new SeedTask(g.Key, g.First().Instruction, g.Select(s => new SeedExample(s.Input, s.Output)).ToList())));
        foreach (var seed in seeds)
        {
            for (var r = 0; r < options.ResponsePromptsPerSeed; r++)
            {
                var document = DocumentText(abstracts[random.Next(abstracts.Count)]);
                var responseText = responsePrompt.Build(seed.Instruction, seed.Input, document);
                documents.Add(new BootstrapDocument(BootstrapDocumentKind.ResponseGeneration, responseText + seed.Output + eos, responseText.Length));
            }
            for (var a = 0; a < options.AlpacaCopiesPerSeed; a++)
                documents.Add(new BootstrapDocument(BootstrapDocumentKind.Alpaca, AlpacaTemplate.FormatExample(seed.Instruction, seed.Input, seed.Output, eos),
                    AlpacaTemplate.Format(seed.Instruction, seed.Input).Length));
            for (var f = 0; f < options.FewShotPromptsPerSeed; f++)
            {
                // The seed's own instruction as the task definition; demonstrations from the other seeds of its task.
                var task = new SeedTaskSet([new SeedTask(seed.Task, seed.Instruction, tasks[seed.Task].Examples)]);
                var builder = new FewShotPromptBuilder(task, random.Next());
                var dataset = new BenchmarkDataset("bootstrap", TaskFamily.QA, seed.Task, 0);
                var instance = new EvalInstance("bootstrap", seed.Id, seed.Input, seed.Output, [seed.Output]);
                var shots = random.Next(0, options.MaxShots + 1);
                var fewShotText = builder.Build(dataset, instance, shots, PromptStyle.Plain);
                documents.Add(new BootstrapDocument(BootstrapDocumentKind.FewShot, fewShotText + " " + seed.Output + eos, fewShotText.Length));
            }
        }

        var shuffled = documents.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>
    /// A completion of an instruction-generation prompt listing <paramref name="items"/> numbered from
    /// <paramref name="firstNumber"/>: what follows the prompt's closing <c>{firstNumber}. Instruction:</c>, items
    /// separated by <c>###</c>, in the format <see cref="InstructionCompletionParser"/> parses.
    /// </summary>
    public static string RenderCompletion(int firstNumber, IReadOnlyList<SeedRow> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("a completion needs at least one item", nameof(items));
        var opening = $"{firstNumber}. Instruction:";
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            var item = InstructionGenerationPrompt.FormatItem(firstNumber + i, items[i]);
            if (i == 0) text.Append(item, opening.Length, item.Length - opening.Length);
            else text.Append("###\n").Append(item);
        }
        return text.ToString();
    }

    /// <summary>An abstract as the index stores and retrieval hands it out: title, newline, abstract.</summary>
    public static string DocumentText(DocumentRow document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.Title.Length == 0 ? document.Abstract : document.Abstract.Length == 0 ? document.Title : document.Title + "\n" + document.Abstract;
    }
}
