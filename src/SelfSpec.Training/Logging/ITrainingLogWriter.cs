namespace SelfSpec.Training.Logging;

/// <summary>
/// Where the trainer writes its log. The trainer appends each row as it happens, so a crash loses at most the
/// row being written; on resume it rewrites the log up to the checkpoint's step.
/// </summary>
public interface ITrainingLogWriter : IDisposable
{
    /// <summary>The log file's path.</summary>
    string Path { get; }

    /// <summary>Appends one row and makes it durable.</summary>
    void Append(TrainingLogEntry entry);
}

/// <summary>Creates the log writer for an output directory.</summary>
public interface ITrainingLogFormat
{
    /// <summary>The log's file name inside the output directory.</summary>
    string FileName { get; }

    /// <summary>Opens the log in <paramref name="directory"/>, keeping only existing rows with step ≤ <paramref name="keepUpToStep"/> (0: start empty).</summary>
    ITrainingLogWriter Open(string directory, long keepUpToStep);

    /// <summary>Reads a log written by this format.</summary>
    IReadOnlyList<TrainingLogEntry> Read(string path);
}
