namespace SelfSpec.Evaluation.Prompting;

/// <summary>A labelled demonstration of a seed task.</summary>
/// <param name="Input">The example input.</param>
/// <param name="Output">The example output.</param>
public sealed record SeedExample(string Input, string Output);

/// <summary>A seed task: its BoX definition and its labelled examples (the demonstrations for k-shot prompts).</summary>
/// <param name="Name">BoX task name (e.g. "NCBI").</param>
/// <param name="Definition">The task definition, used as the instruction.</param>
/// <param name="Examples">Labelled examples, in file order.</param>
public sealed record SeedTask(string Name, string Definition, IReadOnlyList<SeedExample> Examples);
