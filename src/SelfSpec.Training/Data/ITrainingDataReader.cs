namespace SelfSpec.Training.Data;

/// <summary>Reads the rows of one training data file format. <see cref="TrainingDataset.Load"/> picks a reader by file extension.</summary>
public interface ITrainingDataReader
{
    /// <summary>True if this reader handles <paramref name="path"/> (by extension).</summary>
    bool CanRead(string path);

    /// <summary>The rows of the file, in order.</summary>
    /// <exception cref="TrainingDataException">A row is malformed.</exception>
    IEnumerable<TrainingRow> Read(string path);
}
