using System.Buffers;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace SelfSpec.Workflows.Activities;

/// <summary>
/// Per-chunk XXH128 digests of a file, recorded with each artifact so that verifying it costs a parallel read at disk
/// speed rather than a sequential SHA-256 (XXH128 is not cryptographic: it detects damage, not tampering; the SHA-256
/// stays the artifact's identity in cache keys and manifests). Text form: <c>xxh128/&lt;chunk bytes&gt;:&lt;hex&gt;,&lt;hex&gt;,…</c>,
/// one 32-digit digest per chunk (an empty file has one digest, of no bytes).
/// </summary>
public static class ChunkDigests
{
    /// <summary>Bytes per chunk: large enough that a 14 GB folder records a few hundred digests, small enough to spread a file over all cores.</summary>
    public const int ChunkSize = 64 << 20;

    private const string Prefix = "xxh128/";
    private const int ReadSize = 1 << 20;

    /// <summary>Hashes <paramref name="path"/> in one sequential read: its SHA-256, its chunk digests and its length.</summary>
    public static (string Sha256, string Digest, long Size) HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new XxHash128();
        var digests = new List<string>();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            long size = 0, inChunk = 0;
            while (true)
            {
                var want = (int)Math.Min(ReadSize, ChunkSize - inChunk);
                var read = stream.Read(buffer, 0, want);
                if (read == 0) break;
                sha.AppendData(buffer, 0, read);
                chunk.Append(buffer.AsSpan(0, read));
                size += read;
                inChunk += read;
                if (inChunk == ChunkSize) { digests.Add(Convert.ToHexStringLower(chunk.GetHashAndReset())); inChunk = 0; }
            }
            if (inChunk > 0 || digests.Count == 0) digests.Add(Convert.ToHexStringLower(chunk.GetHashAndReset()));
            return (Convert.ToHexStringLower(sha.GetHashAndReset()), Format(digests), size);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>The digest of chunk <paramref name="index"/> of an open file (its bytes from <c>index × ChunkSize</c>, at most <see cref="ChunkSize"/>).</summary>
    public static string HashChunk(Microsoft.Win32.SafeHandles.SafeFileHandle file, int index, long fileSize)
    {
        var hash = new XxHash128();
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            var offset = (long)index * ChunkSize;
            var end = Math.Min(fileSize, offset + ChunkSize);
            while (offset < end)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ReadSize, end - offset)), offset);
                if (read == 0) break; // shrank while we read: the digest will differ
                hash.Append(buffer.AsSpan(0, read));
                offset += read;
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>The number of chunks a file of <paramref name="size"/> bytes has (at least one).</summary>
    public static int ChunkCount(long size) => size == 0 ? 1 : (int)((size + ChunkSize - 1) / ChunkSize);

    /// <summary>The recorded chunk digests of <paramref name="digest"/>; throws <see cref="FormatException"/> for another format or chunk size.</summary>
    public static string[] Parse(string digest)
    {
        var colon = digest.IndexOf(':');
        if (!digest.StartsWith(Prefix, StringComparison.Ordinal) || colon < 0
            || !long.TryParse(digest.AsSpan(Prefix.Length, colon - Prefix.Length), out var chunkSize) || chunkSize != ChunkSize)
            throw new FormatException($"unknown artifact digest format '{(digest.Length > 40 ? digest[..40] + "…" : digest)}'");
        return digest[(colon + 1)..].Split(',');
    }

    private static string Format(List<string> digests) => $"{Prefix}{ChunkSize}:{string.Join(',', digests)}";
}
