using System.Text;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Llm.Prompting;

namespace SelfSpec.Evaluation.Prompting;

/// <summary>
/// Builds k-shot evaluation prompts: the dataset's BoX task definition, k demonstrations drawn from the seed examples
/// of the same task, and the instance input.
/// </summary>
/// <remarks>
/// Demonstrations are a seeded permutation of the task's seed examples, the same for every instance of a dataset, and the
/// k-shot set is a prefix of the (k+n)-shot set, so base and specialised models and k = 1 vs 5 differ only in what they
/// should. A seed whose input equals the instance input is never shown. When a task has fewer than k seeds, all are used
/// (<see cref="Demonstrations"/> tells how many); a task without seeds gets none. The definition is the instance's own
/// <see cref="EvalInstance.Instruction"/> when the source carries one (BoX-form JSONL), else the seed task's.
/// Plain (base models): <c>{definition}\n\nInput: {x}\nOutput: {y}\n\n…Input: {input}\nOutput:</c>.
/// Alpaca (tuned models): the instruction is the definition followed by <c>\n\nExample i:\nInput: {x}\nOutput: {y}</c> blocks; the input is the instance input.
/// </remarks>
public sealed class FewShotPromptBuilder
{
    private readonly SeedTaskSet _seeds;
    private readonly int _seed;

    /// <summary>Creates a builder over <paramref name="seeds"/>; <paramref name="seed"/> fixes the demonstration order.</summary>
    public FewShotPromptBuilder(SeedTaskSet seeds, int seed = 42)
    {
        _seeds = seeds;
        _seed = seed;
    }

    /// <summary>The up-to-<paramref name="k"/> demonstrations for an instance of <paramref name="dataset"/>.</summary>
    public IReadOnlyList<SeedExample> Demonstrations(BenchmarkDataset dataset, EvalInstance instance, int k)
    {
        if (k <= 0 || !_seeds.Contains(dataset.BoxTask)) return [];
        var examples = _seeds[dataset.BoxTask].Examples.ToArray();
        new Random(_seed ^ StableHash(dataset.BoxTask)).Shuffle(examples);
        return examples.Where(e => e.Input != instance.Input).Take(k).ToList();
    }

    /// <summary>The full prompt for <paramref name="instance"/> with <paramref name="k"/> demonstrations in <paramref name="style"/>.</summary>
    public string Build(BenchmarkDataset dataset, EvalInstance instance, int k, PromptStyle style)
    {
        var definition = instance.Instruction
            ?? (_seeds.Contains(dataset.BoxTask) ? _seeds[dataset.BoxTask].Definition
                : throw new KeyNotFoundException($"no seed task '{dataset.BoxTask}' for {dataset.Name}, and the instance carries no instruction"));
        var demonstrations = Demonstrations(dataset, instance, k);
        var sb = new StringBuilder();
        if (style == PromptStyle.Plain)
        {
            sb.Append(definition.Trim()).Append("\n\n");
            foreach (var d in demonstrations)
                sb.Append("Input: ").Append(d.Input).Append("\nOutput: ").Append(d.Output).Append("\n\n");
            sb.Append("Input: ").Append(instance.Input).Append("\nOutput:");
            return sb.ToString();
        }
        sb.Append(definition.Trim());
        for (int i = 0; i < demonstrations.Count; i++)
            sb.Append($"\n\nExample {i + 1}:\nInput: ").Append(demonstrations[i].Input).Append("\nOutput: ").Append(demonstrations[i].Output);
        return AlpacaTemplate.Format(sb.ToString(), instance.Input);
    }

    // FNV-1a over UTF-16 code units: string.GetHashCode is randomised per process.
    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (var c in s) h = (h ^ c) * 16777619;
        return (int)h;
    }
}
