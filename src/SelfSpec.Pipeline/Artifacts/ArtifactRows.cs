namespace SelfSpec.Pipeline.Artifacts;

// The schemas of the pipeline's Parquet artifacts. Column names are the property names in snake_case
// (SelfSpec.Parquet's convention); non-nullable strings are REQUIRED columns, lists are LIST<STRING>.

/// <summary>One seed task in BoX form: a row of <c>seeds.parquet</c>.</summary>
/// <param name="Id">The seed id (<c>id</c> from the source, else <c>seed-NNN</c> by position).</param>
/// <param name="Task">The BoX task name (e.g. <c>BioASQ-8b_factoid</c>); empty when the source has none.</param>
/// <param name="Instruction">The task definition (BoX <c>definition</c> or <c>instruction</c>).</param>
/// <param name="Input">The instance input; empty when the task has none.</param>
/// <param name="Output">The expected output.</param>
/// <param name="SourceFile">The file the seed was read from (file name only).</param>
/// <param name="SourceRow">The 1-based row in that file (the line for JSONL and CSV).</param>
public sealed record SeedRow(string Id, string Task, string Instruction, string Input, string Output, string SourceFile, long SourceRow);

/// <summary>
/// One instruction-generation prompt and what the model answered: a row of <c>instructions_raw.parquet</c>.
/// The parsed items are three parallel lists (item <c>i</c> is <c>parsed_instructions[i]</c>, <c>parsed_inputs[i]</c>, <c>parsed_outputs[i]</c>).
/// </summary>
/// <param name="PromptId">The 0-based prompt number; with the seed ids and the domain it reproduces the prompt.</param>
/// <param name="SeedIds">The ids of the seeds shown as demonstrations, in prompt order.</param>
/// <param name="Completion">The raw completion, exactly as generated.</param>
/// <param name="Truncated">True when generation stopped at the token limit (the last item is then dropped).</param>
/// <param name="ParsedInstructions">The instruction of each parsed item.</param>
/// <param name="ParsedInputs">The input of each parsed item (empty for <c>&lt;noinput&gt;</c>).</param>
/// <param name="ParsedOutputs">The output of each parsed item.</param>
/// <param name="ParseErrors">One message per piece that could not be parsed, naming the piece.</param>
/// <param name="ParseNotes">One message per item accepted only because item numbering was <c>any</c> (its labels carried other numbers).</param>
public sealed record InstructionRawRow(long PromptId, IReadOnlyList<string> SeedIds, string Completion, bool Truncated,
    IReadOnlyList<string> ParsedInstructions, IReadOnlyList<string> ParsedInputs, IReadOnlyList<string> ParsedOutputs,
    IReadOnlyList<string> ParseErrors, IReadOnlyList<string> ParseNotes);

/// <summary>A generated instruction that passed every filter: a row of <c>instructions.parquet</c>.</summary>
/// <param name="Id">The instruction id (<c>inst-NNNNNN</c>, in the order kept).</param>
/// <param name="PromptId">The prompt that produced it (see <see cref="InstructionRawRow.PromptId"/>).</param>
/// <param name="Instruction">The instruction text.</param>
/// <param name="Input">The input (empty when none).</param>
/// <param name="MaxSimilarity">The highest ROUGE-L F against the seeds and the instructions kept before it.</param>
/// <param name="MostSimilar">The text that scored <paramref name="MaxSimilarity"/>; null when there was nothing to compare with.</param>
public sealed record InstructionRow(string Id, long PromptId, string Instruction, string Input, double MaxSimilarity, string? MostSimilar);

/// <summary>A generated instruction that a filter rejected: a row of <c>instructions_rejected.parquet</c>.</summary>
/// <param name="PromptId">The prompt that produced it.</param>
/// <param name="ItemIndex">The 0-based index of the item within its prompt's parsed items.</param>
/// <param name="Instruction">The instruction text.</param>
/// <param name="Input">The input (empty when none).</param>
/// <param name="Reason">The rule that rejected it, one of <see cref="Instructions.RejectionReasons"/> (e.g. <c>too_similar</c>).</param>
/// <param name="Detail">A human-readable detail (e.g. the keyword found, the word count).</param>
/// <param name="MaxSimilarity">For <c>too_similar</c> and <c>duplicate</c>: the similarity that rejected it.</param>
/// <param name="MostSimilar">For <c>too_similar</c> and <c>duplicate</c>: the text it was too close to.</param>
public sealed record RejectedInstructionRow(long PromptId, int ItemIndex, string Instruction, string Input, string Reason, string Detail,
    double? MaxSimilarity, string? MostSimilar);

/// <summary>One retrieved document for one instruction: a row of <c>retrievals.parquet</c>.</summary>
/// <param name="InstructionId">The instruction (<see cref="InstructionRow.Id"/>).</param>
/// <param name="Rank">The 1-based rank (1 = best BM25 score).</param>
/// <param name="Pmid">The document's PMID.</param>
/// <param name="Score">The BM25 score.</param>
/// <param name="PRet">p_ret(d|x) = softmax(score/τ) over the instruction's retrieved documents; sums to 1 per instruction.</param>
/// <param name="Title">The document title.</param>
/// <param name="Text">The document text (title and abstract) when the index has a document store, else null.</param>
public sealed record RetrievalRow(string InstructionId, int Rank, string Pmid, double Score, double PRet, string Title, string? Text);

/// <summary>One supervised fine-tuning example: a row of <c>sft.parquet</c>.</summary>
/// <param name="InstructionId">The instruction (<see cref="InstructionRow.Id"/>).</param>
/// <param name="Instruction">The instruction text.</param>
/// <param name="Input">The input (empty when none).</param>
/// <param name="Output">The generated response.</param>
/// <param name="DocIds">The PMIDs the response was conditioned on (empty in mode <c>none</c>).</param>
/// <param name="MeanTokenLogProb">The mean log-probability per generated token under the (marginalised) model.</param>
public sealed record SftRow(string InstructionId, string Instruction, string Input, string Output, IReadOnlyList<string> DocIds, double MeanTokenLogProb);

/// <summary>One document of an index's document store (<c>documents.parquet</c> beside the index).</summary>
/// <param name="Pmid">The PMID.</param>
/// <param name="Title">The title.</param>
/// <param name="Abstract">The abstract.</param>
public sealed record DocumentRow(string Pmid, string Title, string Abstract);

/// <summary>One optimiser step of the bootstrap model's training: a row of <c>bootstrap_log.parquet</c>.</summary>
/// <param name="Step">The step (1-based).</param>
/// <param name="Loss">Mean next-token cross-entropy over the step's batch.</param>
/// <param name="LearningRate">The learning rate of the step.</param>
/// <param name="GradNorm">The global gradient norm before clipping.</param>
/// <param name="Tokens">Tokens in the step's batch.</param>
public sealed record BootstrapLogRow(long Step, double Loss, double LearningRate, double GradNorm, long Tokens);
