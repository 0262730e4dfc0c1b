using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SelfSpec.Torch.Native;

/// <summary>
/// Finds <c>libselfspec_torch.so</c>: <c>$SELFSPEC_TORCH_NATIVE</c> (a file path) if set, else beside this
/// assembly (the build copies it there). The shim's RPATH points at the libtorch it was built against.
/// </summary>
internal static class NativeLibraryLoader
{
    internal const string LibraryName = "selfspec_torch";
    private const string FileName = "libselfspec_torch.so";

    // A module initializer is the one place that runs before any P/Invoke of this assembly resolves.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    /// <summary>Where the shim was loaded from (after the first call into it).</summary>
    internal static string? LoadedFrom { get; private set; }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName) return IntPtr.Zero;
        var candidates = new List<string>();
        var env = Environment.GetEnvironmentVariable("SELFSPEC_TORCH_NATIVE");
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        var asmDir = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(asmDir)) candidates.Add(Path.Combine(asmDir, FileName));

        var errors = new List<string>();
        foreach (var path in candidates.Distinct())
        {
            if (!File.Exists(path)) continue;
            try
            {
                var h = NativeLibrary.Load(path);
                LoadedFrom = path;
                return h;
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{path}: {e.Message}");
            }
        }
        var detail = errors.Count > 0 ? " Load errors: " + string.Join("; ", errors) : $" Looked in: {string.Join(", ", candidates.Distinct())}.";
        throw new TorchNotAvailableException(
            "The libtorch shim (libselfspec_torch.so) could not be loaded." + detail +
            " Install libtorch with `scripts/install-deps.sh runtime` and rebuild (./selfspec does both); set TORCH_DIR to use another libtorch.");
    }
}
