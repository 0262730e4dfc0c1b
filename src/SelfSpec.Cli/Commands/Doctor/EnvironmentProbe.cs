using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SelfSpec.Torch;

namespace SelfSpec.Cli.Commands.Doctor;

/// <summary>Gathers the facts <c>selfspec doctor</c> reports, each with a fix when something is wrong.</summary>
public static class EnvironmentProbe
{
    /// <summary>Whether the Elsa Studio package that <c>selfspec server</c> hosts is fetched, and its version.</summary>
    private static DoctorCheck StudioCheck() => SelfSpec.Server.Studio.StudioPackage.Locate() is { } studio
        ? new DoctorCheck("Elsa Studio", studio.Version == SelfSpec.Server.Studio.StudioPackage.PinnedVersion ? CheckStatus.Ok : CheckStatus.Warning,
            $"{studio.Version} in {studio.Directory}", studio.Version == SelfSpec.Server.Studio.StudioPackage.PinnedVersion ? null : "run scripts/fetch-studio.sh for the pinned version")
        : new DoctorCheck("Elsa Studio", CheckStatus.Warning, "not fetched (the designer of `selfspec server` needs it)", "run scripts/fetch-studio.sh (needs npm)");

    /// <summary>Runs every check. Never throws: a failing probe becomes a failed line.</summary>
    public static IReadOnlyList<DoctorCheck> Run(string workingFolder)
    {
        var checks = new List<DoctorCheck>
        {
            new(".NET", CheckStatus.Ok, $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})"),
            new("SelfSpec Workflows", CheckStatus.Ok, typeof(EnvironmentProbe).Assembly.GetName().Version?.ToString(3) ?? "?"),
        };
        checks.AddRange(Safe("libtorch", TorchChecks));
        checks.AddRange(Safe("SQLite", SqliteChecks));
        checks.AddRange(Safe("Disk", () => [DiskCheck(workingFolder)]));
        checks.Add(StudioCheck());
        return checks;
    }

    private static IEnumerable<DoctorCheck> Safe(string name, Func<IEnumerable<DoctorCheck>> probe)
    {
        try
        {
            return probe().ToList();
        }
        catch (Exception e)
        {
            return [new DoctorCheck(name, CheckStatus.Failed, e.Message, FixFor(name))];
        }
    }

    private static string FixFor(string name) => name switch
    {
        "libtorch" => "run scripts/install-deps.sh runtime, then ./selfspec again (it rebuilds the shim)",
        "SQLite" => "the SQLite bundle ships with the CLI: rebuild with ./selfspec",
        _ => "see the message",
    };

    private static IEnumerable<DoctorCheck> TorchChecks()
    {
        Torch.Torch.EnsureInitialised();
        yield return new DoctorCheck("libtorch", CheckStatus.Ok, $"{Torch.Torch.Version} (shim: {Torch.Torch.NativeLibraryPath})");

        // A small product loads the BLAS libtorch dispatches to; the process map then names it.
        using (var scope = DisposeScope.Begin())
        {
            var a = Tensor.Ones([64, 64]);
            a.MatMul(a).Sum().ItemDouble();
        }
        var blas = LoadedLibraries().Where(l => l.Contains("blas", StringComparison.OrdinalIgnoreCase) || l.Contains("mkl", StringComparison.OrdinalIgnoreCase)).ToList();
        var config = Torch.Torch.BuildConfig;
        var blasInfo = config.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("- BLAS_INFO=", StringComparison.Ordinal) || l.Contains("BLAS_INFO", StringComparison.Ordinal));
        var fast = blas.Any(l => l.Contains("openblas", StringComparison.OrdinalIgnoreCase) || l.Contains("mkl", StringComparison.OrdinalIgnoreCase));
        var blasText = blas.Count == 0 ? (blasInfo ?? "built-in kernels") : string.Join(", ", blas.Select(Path.GetFileName).Distinct()) + $" ({string.Join(", ", blas.Select(Path.GetDirectoryName).Distinct())})";
        yield return fast || blas.Count == 0
            ? new DoctorCheck("BLAS", CheckStatus.Ok, blasText)
            : new DoctorCheck("BLAS", CheckStatus.Warning, blasText + " — the reference BLAS is ~25x slower",
                "install OpenBLAS: apt-get install libopenblas0-pthread (scripts/install-deps.sh runtime does it)");

        var threads = Torch.Torch.Threads;
        yield return new DoctorCheck("CPU threads", CheckStatus.Ok, $"{threads} used by libtorch, {Environment.ProcessorCount} cores (set with --threads or SELFSPEC_THREADS)");

        if (!Torch.Torch.Cuda.ShimHasCuda)
        {
            yield return new DoctorCheck("CUDA", CheckStatus.Info, "not available: this libtorch is CPU-only",
                "for a GPU: TORCH_DIR=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch ./selfspec doctor");
        }
        else
        {
            var n = Torch.Torch.Cuda.DeviceCount;
            if (n == 0)
                yield return new DoctorCheck("CUDA", CheckStatus.Warning, "libtorch has CUDA, but no GPU is visible", "check nvidia-smi and the NVIDIA driver");
            for (var i = 0; i < n; i++)
                yield return new DoctorCheck($"GPU {i}", CheckStatus.Ok, $"{Torch.Torch.Cuda.DeviceName(i)}, {Torch.Torch.Cuda.TotalMemory(i) / (1L << 30)} GiB");
        }
    }

    private static IEnumerable<string> LoadedLibraries()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 6 && p[5].StartsWith('/'))
            .Select(p => p[5])
            .Distinct();
    }

    private static IEnumerable<DoctorCheck> SqliteChecks()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var version = connection.CreateCommand();
        version.CommandText = "select sqlite_version()";
        var v = (string)version.ExecuteScalar()!;
        using var fts = connection.CreateCommand();
        fts.CommandText = "select sqlite_compileoption_used('ENABLE_FTS5')";
        var hasFts5 = Convert.ToInt64(fts.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        yield return new DoctorCheck("SQLite", CheckStatus.Ok, $"{v} (bundled e_sqlite3)");
        yield return hasFts5
            ? new DoctorCheck("SQLite FTS5", CheckStatus.Ok, "present")
            : new DoctorCheck("SQLite FTS5", CheckStatus.Warning, "missing", "only needed for FTS5 comparisons; retrieval uses our own BM25 index");
    }

    private static DoctorCheck DiskCheck(string folder)
    {
        var full = Path.GetFullPath(folder);
        var drive = new DriveInfo(full);
        var free = drive.AvailableFreeSpace;
        var text = $"{free / (double)(1L << 30):F1} GiB free in {full}";
        return free < 2L << 30
            ? new DoctorCheck("Disk", CheckStatus.Warning, text, "runs write models, adapters and Parquet artifacts under runs/: free some space")
            : new DoctorCheck("Disk", CheckStatus.Ok, text);
    }
}
