using SelfSpec.Parquet;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Serialization;

namespace SelfSpec.Training.Data;

/// <summary>
/// Reads training rows from Parquet: either pre-tokenised (<c>input_ids</c> and optional <c>labels</c>, lists of
/// integers) or instruction rows (<c>instruction</c>, optional <c>input</c>, <c>output</c>), such as the pipeline's
/// <c>sft.parquet</c>. Extra columns are ignored.
/// </summary>
public sealed class ParquetTrainingDataReader : ITrainingDataReader
{
    /// <inheritdoc />
    public bool CanRead(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<TrainingRow> Read(string path)
    {
        bool tokenized, hasLabels, hasInput;
        try
        {
            using var reader = ParquetReader.Open(path);
            tokenized = reader.Schema.Find("input_ids") != null;
            hasLabels = reader.Schema.Find("labels") != null;
            hasInput = reader.Schema.Find("input") != null;
            if (!tokenized && (reader.Schema.Find("instruction") == null || reader.Schema.Find("output") == null))
                throw new TrainingDataException(path, null, null, "has neither input_ids nor instruction/output columns");
        }
        catch (ParquetFormatException e)
        {
            throw new TrainingDataException(path, null, null, e.Message);
        }
        return tokenized ? ReadTokenized(path, hasLabels) : ReadInstructions(path, hasInput);
    }

    private static IEnumerable<TrainingRow> ReadTokenized(string path, bool hasLabels)
    {
        long n = 0;
        if (hasLabels)
            foreach (var r in ParquetSerializer.ReadStream<TokenizedRow>(path))
                yield return new TrainingRow { Number = ++n, InputIds = r.InputIds.Select(ToInt).ToArray(), Labels = r.Labels?.Select(ToInt).ToArray() };
        else
            foreach (var r in ParquetSerializer.ReadStream<IdsOnlyRow>(path))
                yield return new TrainingRow { Number = ++n, InputIds = r.InputIds.Select(ToInt).ToArray() };
    }

    private static IEnumerable<TrainingRow> ReadInstructions(string path, bool hasInput)
    {
        long n = 0;
        if (hasInput)
            foreach (var r in ParquetSerializer.ReadStream<InstructionRow>(path))
                yield return new TrainingRow { Number = ++n, Instruction = r.Instruction, Input = r.Input, Output = r.Output };
        else
            foreach (var r in ParquetSerializer.ReadStream<InstructionOnlyRow>(path))
                yield return new TrainingRow { Number = ++n, Instruction = r.Instruction, Output = r.Output };
    }

    private static int ToInt(long v) => checked((int)v);

    private sealed record TokenizedRow(IReadOnlyList<long> InputIds, IReadOnlyList<long>? Labels);

    private sealed record IdsOnlyRow(IReadOnlyList<long> InputIds);

    private sealed record InstructionRow(string Instruction, string? Input, string Output);

    private sealed record InstructionOnlyRow(string Instruction, string Output);
}
