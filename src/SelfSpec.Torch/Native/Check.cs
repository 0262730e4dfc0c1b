using System.Runtime.InteropServices;

namespace SelfSpec.Torch.Native;

/// <summary>Turns the shim's error convention (null handle or -1 plus a thread-local error) into .NET exceptions.</summary>
internal static class Check
{
    internal static TensorHandle Handle(TensorHandle h)
    {
        if (h.IsInvalid) throw LastError();
        return h;
    }

    internal static void Status(int status)
    {
        if (status < 0) throw LastError();
    }

    internal static TensorHandle Adopt(IntPtr raw)
    {
        if (raw == IntPtr.Zero) throw LastError();
        return new TensorHandle(raw);
    }

    internal static TorchException LastError()
    {
        var kind = NativeMethods.st_last_error_kind();
        var message = Marshal.PtrToStringUTF8(NativeMethods.st_last_error_message()) ?? "unknown libtorch error";
        NativeMethods.st_clear_error();
        message = message.Trim();
        return kind switch
        {
            2 => new TorchOutOfMemoryException(message),
            3 => new TorchIndexException(message),
            _ => new TorchException(message),
        };
    }

    /// <summary>Reads a string the shim writes with the (buffer, capacity) → length convention.</summary>
    internal static unsafe string ReadString(delegate*<byte*, int, int> call)
    {
        var n = call(null, 0);
        if (n < 0) throw LastError();
        var buf = new byte[n + 1];
        fixed (byte* p = buf) call(p, buf.Length);
        return System.Text.Encoding.UTF8.GetString(buf, 0, n);
    }
}
