namespace SelfSpec.Evaluation.Prompting;

/// <summary>How an evaluation prompt is wrapped (paper §B: the Alpaca template for the tuned model, no template for base models).</summary>
public enum PromptStyle
{
    /// <summary>Plain text for base models: definition, demonstrations as Input/Output pairs, then the query input and "Output:".</summary>
    Plain,

    /// <summary>The Stanford Alpaca with-input template, as the specialised model was trained.</summary>
    Alpaca,
}
