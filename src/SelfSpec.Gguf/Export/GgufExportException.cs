namespace SelfSpec.Gguf.Export;

/// <summary>
/// An input cannot be exported to GGUF: the message names the file or folder (and the tensor or field) and what is
/// unsupported or wrong.
/// </summary>
public sealed class GgufExportException(string message, Exception? inner = null) : Exception(message, inner);
