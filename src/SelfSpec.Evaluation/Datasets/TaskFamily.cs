namespace SelfSpec.Evaluation.Datasets;

/// <summary>The task families of the paper's Table 1, in its row order.</summary>
public enum TaskFamily
{
    /// <summary>Question answering (BioASQ factoid/list/yes-no, PubMedQA).</summary>
    QA,

    /// <summary>Named-entity recognition (AnatEM, BioNLP13CG, NCBI-disease).</summary>
    NER,

    /// <summary>Relation extraction (DDI).</summary>
    RE,

    /// <summary>Sentiment analysis (Medical Drugs).</summary>
    SA,

    /// <summary>Document classification (HoC).</summary>
    DC,
}
