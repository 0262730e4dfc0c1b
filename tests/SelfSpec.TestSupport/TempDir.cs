namespace SelfSpec.TestSupport;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates a new empty folder under the system temp path.</summary>
    public TempDir(string? prefix = null)
    {
        FullPath = Path.Combine(Path.GetTempPath(), (prefix ?? "selfspec-test-") + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(FullPath);
    }

    /// <summary>The folder's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => Path.Combine([FullPath, .. parts]);

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(FullPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <inheritdoc />
    public override string ToString() => FullPath;
}
