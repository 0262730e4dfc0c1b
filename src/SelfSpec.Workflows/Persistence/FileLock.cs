namespace SelfSpec.Workflows.Persistence;

/// <summary>
/// An exclusive, process-wide lock on a file (an OS advisory lock through <see cref="FileShare.None"/>).
/// The operating system releases it when the holder exits, even on SIGKILL, so a crashed run never leaves a stale lock.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    /// <summary>The lock file.</summary>
    public string Path => _stream.Name;

    /// <summary>Takes the lock, or returns null at once if another holder has it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            var owner = System.Text.Encoding.UTF8.GetBytes($"{Environment.MachineName}:{Environment.ProcessId}\n");
            stream.SetLength(0);
            stream.Write(owner);
            stream.Flush();
            return new FileLock(stream);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>.</summary>
    public static FileLock Acquire(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (TryAcquire(path) is { } l) return l;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"could not lock {path} within {timeout.TotalSeconds:0} s");
            Thread.Sleep(50);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
