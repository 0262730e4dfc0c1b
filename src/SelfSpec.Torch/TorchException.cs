namespace SelfSpec.Torch;

/// <summary>An error raised by libtorch (shape mismatch, bad dtype, …), carrying libtorch's message.</summary>
public class TorchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>libtorch could not allocate memory (host or GPU). GPU stages catch this to retry with a smaller batch.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    /// <summary>Creates the exception.</summary>
    public TorchOutOfMemoryException(string message) : base(message) { }
}

/// <summary>An index was out of range for the tensor it addressed.</summary>
public sealed class TorchIndexException : TorchException
{
    /// <summary>Creates the exception.</summary>
    public TorchIndexException(string message) : base(message) { }
}

/// <summary>The native shim or libtorch itself could not be loaded.</summary>
public sealed class TorchNotAvailableException : TorchException
{
    /// <summary>Creates the exception.</summary>
    public TorchNotAvailableException(string message, Exception? inner = null) : base(message, inner ?? new DllNotFoundException(message)) { }
}
