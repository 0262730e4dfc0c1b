using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Responses;
using SelfSpec.Llm.Prompting;

namespace SelfSpec.Pipeline.Tests;

/// <summary>Exact prompt texts, written out here from the paper's Table 3 and algorithms.md §1.6 / §5.</summary>
public class PromptTests
{
    // Table 3 of the paper (paper-self-specialization.md, "Instruction Generation Prompt"), rendered from its HTML list
    // the way Alpaca's prompt.txt lays out the same kind of text: paragraphs separated by a blank line, one numbered
    // requirement per line, ending with "List of 20 tasks:" and no newline.
    private const string BiomedicalHeader =
        "You are asked to come up with a set of 20 diverse task instructions about a biomedical domain. These task instructions will be given to a GPT model and we will evaluate the GPT model for completing the instructions.\n" +
        "\n" +
        "Here are the requirements:\n" +
        "1. Try not to repeat the verb for each instruction to maximize diversity.\n" +
        "2. The language used for the instruction also should be diverse. For example, you should combine questions with imperative instructions.\n" +
        "3. The type of instructions should be diverse. The list should include diverse types of tasks like open-ended generation, classification, editing, etc.\n" +
        "4. A GPT language model should be able to complete the instruction. For example, do not ask the assistant to create any visual or audio output. For another example, do not ask the assistant to wake you up at 5pm or set a reminder because it cannot perform any action.\n" +
        "5. The instructions should be in English.\n" +
        "6. The instructions should be 1 to 2 sentences long. Either an imperative sentence or a question is permitted.\n" +
        "7. You should generate an appropriate input to the instruction. The input field should contain a specific example provided for the instruction. It should involve realistic data and should not contain simple placeholders. The input should provide substantial content to make the instruction challenging.\n" +
        "8. Ensure diverse tasks are covered in the instructions and inputs, while focusing on a biomedical domain.\n" +
        "\n" +
        "List of 20 tasks:";

    private static SeedRow Seed(string id, string instruction, string input, string output) => new(id, "t", instruction, input, output, "seeds.jsonl", 1);

    [Fact]
    public void TheInstructionHeaderIsTable3WithTheDomain()
    {
        Assert.Equal(BiomedicalHeader, new InstructionGenerationPrompt().Header);
        var finance = new InstructionGenerationPrompt("finance").Header;
        Assert.Equal(BiomedicalHeader.Replace("biomedical", "finance"), finance);
        Assert.Equal(2, finance.Split("a finance domain").Length - 1);
    }

    [Fact]
    public void TheTable3WordingMatchesThePaperSentenceBySentence()
    {
        // Independent of the layout: every <li> and <p> text of the paper's Table 3 appears verbatim, in order.
        var paperLine = File.ReadLines(TestSupport.Paths.Shared + "/docs/paper-self-specialization.md")
            .SkipWhile(l => l.Trim() != "Instruction Generation Prompt").Skip(1).First();
        var fragments = System.Text.RegularExpressions.Regex.Matches(paperLine, "<(?:p|li)>(.*?)</(?:p|li)>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(11, fragments.Count);
        var header = new InstructionGenerationPrompt().Header;
        var at = 0;
        foreach (var fragment in fragments)
        {
            var found = header.IndexOf(fragment, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{fragment}' not found in order");
            at = found + fragment.Length;
        }
        Assert.Equal(header.Length, at);
    }

    [Fact]
    public void ThreeSeedsAreShownInTheAlpacaFormatAndThePromptEndsAtItemFour()
    {
        var seeds = new[]
        {
            Seed("a", "Name the   gene\nmutated in cystic fibrosis:", "", "CFTR"),
            Seed("b", "Classify the sentiment.", "Drug: aspirin\nOption1: Neutral", "Neutral"),
            Seed("c", "Answer yes or no.", "Context: x", "yes"),
        };
        var prompt = new InstructionGenerationPrompt().Build(seeds);
        var expected = BiomedicalHeader + "\n" +
            "###\n1. Instruction: Name the gene mutated in cystic fibrosis\n1. Input:\n<noinput>\n1. Output:\nCFTR\n" +
            "###\n2. Instruction: Classify the sentiment.\n2. Input:\nDrug: aspirin\nOption1: Neutral\n2. Output:\nNeutral\n" +
            "###\n3. Instruction: Answer yes or no.\n3. Input:\nContext: x\n3. Output:\nyes\n" +
            "###\n4. Instruction:";
        Assert.Equal(expected, prompt);
        Assert.Equal(4, InstructionGenerationPrompt.FirstGeneratedNumber(seeds.Length));
    }

    [Fact]
    public void TheResponsePromptIsTable3WithOptionalDocumentAndInput()
    {
        var prompt = new ResponseGenerationPrompt();
        Assert.Equal("You are a biomedical domain expert. Given an instruction and an input, generate the best response to solve the given biomedical task.", prompt.SystemLine);
        Assert.Equal(
            "You are a biomedical domain expert. Given an instruction and an input, generate the best response to solve the given biomedical task.\n\n" +
            "### Document:\nTitle\nAbstract text.\n\n### Instruction:\nSummarise.\n\n### Input:\nSome input\n\n### Response:",
            prompt.Build("Summarise.", "Some input", "Title\nAbstract text."));
        Assert.Equal(
            "You are a finance domain expert. Given an instruction and an input, generate the best response to solve the given finance task.\n\n" +
            "### Instruction:\nList risks.\n\n### Response:",
            new ResponseGenerationPrompt("finance").Build("List risks.", ""));
    }

    [Fact]
    public void TheAlpacaTemplateIsExactAndChoosesTheFormByAnExactEmptyTest()
    {
        Assert.Equal(
            "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nDo X\n\n### Input:\nY\n\n### Response:",
            AlpacaTemplate.Format("Do X", "Y"));
        Assert.Equal(
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nDo X\n\n### Response:",
            AlpacaTemplate.Format("Do X", ""));
        Assert.Equal(AlpacaTemplate.Format("Do X", ""), AlpacaTemplate.Format("Do X", null));
        Assert.Contains("### Input:\n \n", AlpacaTemplate.Format("Do X", " "));
        Assert.EndsWith("### Response:Z</s>", AlpacaTemplate.FormatExample("Do X", "Y", "Z", "</s>"));
        // Placeholders inside user text are not expanded again.
        Assert.Contains("### Instruction:\n{input}\n\n### Input:\n{instruction}\n", AlpacaTemplate.Format("{input}", "{instruction}"));
    }

    [Fact]
    public void SeedSamplingIsSeededPerPromptDistinctAndCoversTheSeeds()
    {
        var seeds = Enumerable.Range(1, 80).Select(i => Seed($"s{i}", $"inst {i}", "", "o")).ToList();
        var a = new SeedSampler(seeds, randomSeed: 42);
        var b = new SeedSampler(seeds, randomSeed: 42);
        var c = new SeedSampler(seeds, randomSeed: 43);
        var counts = new int[80];
        for (var p = 0; p < 2000; p++)
        {
            var picked = a.ForPrompt(p);
            Assert.Equal(3, picked.Count);
            Assert.Equal(3, picked.Select(s => s.Id).Distinct().Count());
            Assert.Equal(picked.Select(s => s.Id), b.ForPrompt(p).Select(s => s.Id));
            foreach (var s in picked) counts[int.Parse(s.Id[1..]) - 1]++;
        }
        // 6000 draws over 80 seeds: 75 expected each; a uniform sampler stays well inside [40, 115].
        Assert.All(counts, n => Assert.InRange(n, 40, 115));
        Assert.NotEqual(Enumerable.Range(0, 20).SelectMany(p => a.ForPrompt(p).Select(s => s.Id)),
                        Enumerable.Range(0, 20).SelectMany(p => c.ForPrompt(p).Select(s => s.Id)));
        Assert.Throws<ArgumentException>(() => new SeedSampler(seeds.Take(2).ToList(), 1));
    }
}
