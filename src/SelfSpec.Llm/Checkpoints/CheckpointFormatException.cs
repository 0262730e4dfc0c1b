namespace SelfSpec.Llm.Checkpoints;

/// <summary>
/// A model, adapter or safetensors file that cannot be used as it is: a bad header, a truncated file,
/// a missing, unexpected or mis-shaped tensor, an unsupported configuration. The message names the file
/// and (where one is involved) the tensor.
/// </summary>
public sealed class CheckpointFormatException : FormatException
{
    /// <summary>Creates the exception; the message is prefixed with the file and tensor names.</summary>
    public CheckpointFormatException(string file, string? tensor, string problem, Exception? inner = null)
        : base(Describe(file, tensor, problem), inner)
    {
        File = file;
        Tensor = tensor;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>The tensor at fault, when the problem concerns one.</summary>
    public string? Tensor { get; }

    /// <summary>The problem without the file and tensor prefix.</summary>
    public string Problem { get; }

    private static string Describe(string file, string? tensor, string problem) =>
        tensor == null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}";
}
