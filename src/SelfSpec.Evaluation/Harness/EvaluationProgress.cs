namespace SelfSpec.Evaluation.Harness;

/// <summary>Progress of a run: <paramref name="Done"/> of <paramref name="Total"/> generations, and what is being generated.</summary>
/// <param name="Done">Instances scored so far, over all models and k.</param>
/// <param name="Total">Instances to score in the whole run.</param>
/// <param name="Model">Model being run.</param>
/// <param name="Dataset">Dataset being run.</param>
/// <param name="K">Shots being run.</param>
public readonly record struct EvaluationProgress(int Done, int Total, string Model, string Dataset, int K);
