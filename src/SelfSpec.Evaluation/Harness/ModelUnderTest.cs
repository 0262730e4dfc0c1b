using SelfSpec.Evaluation.Prompting;

namespace SelfSpec.Evaluation.Harness;

/// <summary>Whether a model is the starting point or the self-specialised one (Table 1's two columns per k).</summary>
public enum ModelRole
{
    /// <summary>The base model, prompted without a template.</summary>
    Base,

    /// <summary>The base model with the self-specialisation adapter, prompted with the Alpaca template.</summary>
    Specialized,
}

/// <summary>A model to evaluate, with the name written into every row and how it is prompted.</summary>
/// <param name="Name">Name recorded in predictions and summaries (e.g. the model folder, or folder+adapter).</param>
/// <param name="Role">Base or specialised.</param>
/// <param name="Style">Prompt template; the paper uses <see cref="PromptStyle.Plain"/> for base and <see cref="PromptStyle.Alpaca"/> for tuned models.</param>
/// <param name="Model">The generator.</param>
public sealed record ModelUnderTest(string Name, ModelRole Role, PromptStyle Style, ICompletionModel Model)
{
    /// <summary>A base model prompted with the plain template.</summary>
    public static ModelUnderTest Base(string name, ICompletionModel model) => new(name, ModelRole.Base, PromptStyle.Plain, model);

    /// <summary>A tuned model prompted with the Alpaca template.</summary>
    public static ModelUnderTest Specialized(string name, ICompletionModel model) => new(name, ModelRole.Specialized, PromptStyle.Alpaca, model);
}
