using System.Collections.Concurrent;
using System.Globalization;

namespace SelfSpec.Workflows.Activities;

/// <summary>What verifying an artifact against its record found.</summary>
public enum ArtifactState
{
    /// <summary>Present with the recorded size and content.</summary>
    Intact,
    /// <summary>The file is gone.</summary>
    Missing,
    /// <summary>The file has another size (truncated or appended to).</summary>
    SizeChanged,
    /// <summary>Same size, other bytes.</summary>
    ContentChanged,
}

/// <summary>The verdict on one artifact.</summary>
/// <param name="Artifact">The record it was checked against.</param>
/// <param name="State">What was found.</param>
/// <param name="Expected">What the record says (size or digest), for a damaged artifact.</param>
/// <param name="Found">What the file holds instead, for a damaged artifact.</param>
public sealed record ArtifactCheck(ArtifactRef Artifact, ArtifactState State, string? Expected = null, string? Found = null)
{
    /// <summary>Whether the file is exactly what was recorded.</summary>
    public bool IsIntact => State == ArtifactState.Intact;

    /// <summary>One line for people: the file, and what was expected versus found.</summary>
    public string Describe() => State switch
    {
        ArtifactState.Intact => $"{Artifact.Path}: intact",
        ArtifactState.Missing => $"{Artifact.Path}: missing",
        ArtifactState.SizeChanged => $"{Artifact.Path}: size changed (expected {Expected}, found {Found})",
        _ => $"{Artifact.Path}: content changed (expected {Expected}, found {Found})",
    };
}

/// <summary>
/// Checks files against their artifact records: present, same size, same content. Artifacts with chunk digests are
/// hashed chunk by chunk on all cores (XXH128, at disk speed); older records without them are checked by their SHA-256,
/// one file per core. Sizes are compared before any byte is read.
/// </summary>
public static class ArtifactVerifier
{
    /// <summary>Verifies every artifact; the result has one check per artifact, in order.</summary>
    public static IReadOnlyList<ArtifactCheck> Verify(IReadOnlyList<ArtifactRef> artifacts, CancellationToken cancellationToken = default)
    {
        var results = new ArtifactCheck?[artifacts.Count];
        var work = new List<(int Artifact, int Chunk, string? Expected)>();
        for (var i = 0; i < artifacts.Count; i++)
        {
            var a = artifacts[i];
            var info = new FileInfo(a.Path);
            if (!info.Exists) { results[i] = new ArtifactCheck(a, ArtifactState.Missing); continue; }
            if (info.Length != a.Size)
            {
                results[i] = new ArtifactCheck(a, ArtifactState.SizeChanged, Bytes(a.Size), Bytes(info.Length));
                continue;
            }
            if (a.Digest is null) { work.Add((i, -1, null)); continue; }
            string[] chunks;
            try { chunks = ChunkDigests.Parse(a.Digest); }
            catch (FormatException) { work.Add((i, -1, null)); continue; } // a digest from another release: the SHA-256 still decides
            if (chunks.Length != ChunkDigests.ChunkCount(a.Size)) { work.Add((i, -1, null)); continue; }
            for (var c = 0; c < chunks.Length; c++) work.Add((i, c, chunks[c]));
        }

        var mismatches = new ConcurrentDictionary<int, (int Chunk, string Expected, string Found)>();
        var failures = new ConcurrentDictionary<int, Exception>();
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, item =>
        {
            var a = artifacts[item.Artifact];
            if (mismatches.ContainsKey(item.Artifact)) return;
            try
            {
                if (item.Chunk < 0)
                {
                    var sha = ArtifactRef.HashFile(a.Path);
                    if (!string.Equals(sha, a.Sha256, StringComparison.OrdinalIgnoreCase))
                        mismatches.TryAdd(item.Artifact, (-1, "sha256 " + a.Sha256, "sha256 " + sha));
                    return;
                }
                using var handle = File.OpenHandle(a.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                var found = ChunkDigests.HashChunk(handle, item.Chunk, a.Size);
                if (found != item.Expected)
                {
                    var (from, to) = ((long)item.Chunk * ChunkDigests.ChunkSize, Math.Min(a.Size, (long)(item.Chunk + 1) * ChunkDigests.ChunkSize) - 1);
                    var where = $"xxh128 of bytes {from}-{to}";
                    mismatches.AddOrUpdate(item.Artifact, (item.Chunk, $"{where} {item.Expected}", found), (_, old) => old.Chunk <= item.Chunk
                        ? old : (item.Chunk, $"{where} {item.Expected}", found));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { failures.TryAdd(item.Artifact, e); }
        });

        for (var i = 0; i < artifacts.Count; i++)
        {
            if (results[i] is not null) continue;
            if (failures.TryGetValue(i, out var e))
                results[i] = File.Exists(artifacts[i].Path)
                    ? new ArtifactCheck(artifacts[i], ArtifactState.ContentChanged, "a readable file", e.Message)
                    : new ArtifactCheck(artifacts[i], ArtifactState.Missing);
            else if (mismatches.TryGetValue(i, out var m))
                results[i] = new ArtifactCheck(artifacts[i], ArtifactState.ContentChanged, m.Expected, m.Found);
            else
                results[i] = new ArtifactCheck(artifacts[i], ArtifactState.Intact);
        }
        return results!;
    }

    /// <summary>Verifies one file.</summary>
    public static ArtifactCheck Verify(ArtifactRef artifact, CancellationToken cancellationToken = default) =>
        Verify([artifact], cancellationToken)[0];

    private static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
