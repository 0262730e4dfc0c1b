namespace SelfSpec.Evaluation.Metrics;

/// <summary>Which SQuAD-style answer normalisation the token metrics apply.</summary>
public enum AnswerNormalization
{
    /// <summary>In-BoXBART (<c>scripts/evaluation.py</c>): lowercase, delete ASCII punctuation, drop articles, collapse whitespace.</summary>
    Box,

    /// <summary>Super-NaturalInstructions / Tk-Instruct: the same without removing articles.</summary>
    Sni,
}
