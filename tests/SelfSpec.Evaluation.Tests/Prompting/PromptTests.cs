using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.TestSupport;
using SelfSpec.Llm.Prompting;

namespace SelfSpec.Evaluation.Tests.Prompting;

public class PromptTests
{
    private static readonly SeedTaskSet Seeds = new([
        new SeedTask("DDI", "Say if the drugs interact.",
            [new SeedExample("Context: A with B. Drug_1: A Drug_2: B", "true"),
             new SeedExample("Context: C or D. Drug_1: C Drug_2: D", "false"),
             new SeedExample("Context: E then F. Drug_1: E Drug_2: F", "true")]),
    ]);

    private static readonly EvalInstance Query = new("DDI", "q1", "Context: X and Y. Drug_1: X Drug_2: Y", "false", ["false"]);

    [Fact]
    public void Alpaca_templates_are_stanford_alpaca_text()
    {
        Assert.Equal(
            "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nI\n\n### Input:\nX\n\n### Response:",
            AlpacaTemplate.Format("I", "X"));
        Assert.Equal(
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nI\n\n### Response:",
            AlpacaTemplate.Format("I", ""));
        Assert.StartsWith("Below is an instruction that describes a task, paired", AlpacaTemplate.Format("I", " "));
    }

    [Fact]
    public void Zero_shot_prompts_in_both_styles()
    {
        var builder = new FewShotPromptBuilder(Seeds);
        Assert.Equal("Say if the drugs interact.\n\nInput: Context: X and Y. Drug_1: X Drug_2: Y\nOutput:",
            builder.Build(BenchmarkCatalog.Ddi, Query, 0, PromptStyle.Plain));
        Assert.Equal(AlpacaTemplate.WithInput("Say if the drugs interact.", "Context: X and Y. Drug_1: X Drug_2: Y"),
            builder.Build(BenchmarkCatalog.Ddi, Query, 0, PromptStyle.Alpaca));
    }

    [Fact]
    public void One_shot_plain_prompt_is_exact_and_a_prefix_of_the_five_shot_demonstrations()
    {
        var builder = new FewShotPromptBuilder(Seeds, seed: 42);
        var one = builder.Demonstrations(BenchmarkCatalog.Ddi, Query, 1);
        var five = builder.Demonstrations(BenchmarkCatalog.Ddi, Query, 5);
        Assert.Single(one);
        Assert.Equal(3, five.Count); // only three seeds exist
        Assert.Equal(one[0], five[0]);
        Assert.Equal(Seeds["DDI"].Examples.ToHashSet(), five.ToHashSet());
        Assert.Equal($"Say if the drugs interact.\n\nInput: {one[0].Input}\nOutput: {one[0].Output}\n\nInput: {Query.Input}\nOutput:",
            builder.Build(BenchmarkCatalog.Ddi, Query, 1, PromptStyle.Plain));
        Assert.Equal(AlpacaTemplate.WithInput($"Say if the drugs interact.\n\nExample 1:\nInput: {one[0].Input}\nOutput: {one[0].Output}", Query.Input),
            builder.Build(BenchmarkCatalog.Ddi, Query, 1, PromptStyle.Alpaca));
    }

    [Fact]
    public void Demonstrations_are_seeded_and_never_the_query_itself()
    {
        var a = new FewShotPromptBuilder(Seeds, seed: 1);
        var orders = Enumerable.Range(0, 20).Select(s => new FewShotPromptBuilder(Seeds, s).Demonstrations(BenchmarkCatalog.Ddi, Query, 3)[0]).Distinct().Count();
        Assert.True(orders > 1, "different seeds should give different first demonstrations");
        Assert.Equal(a.Demonstrations(BenchmarkCatalog.Ddi, Query, 3), new FewShotPromptBuilder(Seeds, seed: 1).Demonstrations(BenchmarkCatalog.Ddi, Query, 3));
        var leaking = Query with { Input = Seeds["DDI"].Examples[1].Input };
        Assert.DoesNotContain(Seeds["DDI"].Examples[1], a.Demonstrations(BenchmarkCatalog.Ddi, leaking, 5));
    }

    [Fact]
    public void Box_instructions_file_gives_every_benchmark_task_a_definition()
    {
        var seeds = SeedTaskSet.Load(Paths.SharedData("box", "BoX_instructions.json"));
        Assert.Equal(32, seeds.Tasks.Count);
        Assert.Equal(47, seeds.Tasks.Sum(t => t.Examples.Count));
        foreach (var d in BenchmarkCatalog.All) Assert.True(seeds.Contains(d.BoxTask), d.BoxTask);
        Assert.StartsWith("In this task, you are given a sentence as context and two drug names", seeds["DDI"].Definition);
        var jsonl = SeedTaskSet.Load(Paths.SharedData("box", "box_tasks_examples.jsonl"));
        Assert.Equal(seeds["NCBI"], jsonl["NCBI"] with { Examples = seeds["NCBI"].Examples });
        Assert.Equal(seeds["NCBI"].Examples, jsonl["NCBI"].Examples);
    }

    [Fact]
    public void An_instance_carrying_its_definition_is_prompted_with_it_and_a_task_without_seeds_gets_no_demonstrations()
    {
        var own = Query with { Instruction = "Decide whether the two drugs interact. " };
        var builder = new FewShotPromptBuilder(Seeds, seed: 42);
        var one = builder.Demonstrations(BenchmarkCatalog.Ddi, own, 1).Single();
        Assert.Equal($"Decide whether the two drugs interact.\n\nInput: {one.Input}\nOutput: {one.Output}\n\nInput: {Query.Input}\nOutput:",
            builder.Build(BenchmarkCatalog.Ddi, own, 1, PromptStyle.Plain));

        var hoc = new EvalInstance("HoC", "h1", "Tumour cells evade apoptosis.", "Resisting cell death", ["Resisting cell death"], "Name the hallmarks.");
        Assert.Empty(builder.Demonstrations(BenchmarkCatalog.HoC, hoc, 5));
        Assert.Equal(AlpacaTemplate.WithInput("Name the hallmarks.", hoc.Input), builder.Build(BenchmarkCatalog.HoC, hoc, 5, PromptStyle.Alpaca));
        Assert.Throws<KeyNotFoundException>(() => builder.Build(BenchmarkCatalog.HoC, hoc with { Instruction = null }, 0, PromptStyle.Plain));
    }

    [Fact]
    public void The_project_seed_file_loads_as_seed_tasks_with_each_tasks_first_instruction_as_definition()
    {
        var seeds = SeedTaskSet.Load(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"));
        Assert.Equal(80, seeds.Tasks.Sum(t => t.Examples.Count));
        Assert.Equal(8, seeds["DDI"].Examples.Count); // data/README.md: DDI 8 seeds
        Assert.Equal("In this task, you are given a context and a factoid question. Answer the question with a short span copied from the context.",
            seeds["BioASQ-8b_factoid"].Definition); // seed-001's instruction
        Assert.Equal("BCR-ABL", seeds["BioASQ-8b_factoid"].Examples[0].Output);
        foreach (var d in BenchmarkCatalog.All) Assert.True(seeds.Contains(d.BoxTask), d.BoxTask);
    }

    [Theory]
    [InlineData(" true\n\nInput: next", "true")]
    [InlineData("\nyes</s>", "yes")]
    [InlineData("cells <Anatomy>\nInput: more", "cells <Anatomy>")]
    [InlineData("A long answer.\nSecond line.", "A long answer.\nSecond line.")]
    public void Completion_is_cut_where_the_model_starts_a_new_example(string completion, string expected) =>
        Assert.Equal(expected, CompletionCleaner.Clean(completion));
}
