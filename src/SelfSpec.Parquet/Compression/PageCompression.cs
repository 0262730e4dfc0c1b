using System.IO.Compression;
using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Compression;

/// <summary>Compresses and decompresses page bodies: SNAPPY (our <see cref="SnappyCodec"/>), GZIP (System.IO.Compression), ZSTD (our decoder; written with ZstdSharp by the column writer), UNCOMPRESSED.</summary>
internal static class PageCompression
{
    public static bool IsSupported(CompressionCodec codec) => codec is CompressionCodec.Uncompressed or CompressionCodec.Snappy or CompressionCodec.Gzip or CompressionCodec.Zstd;

    /// <summary>Decompresses <paramref name="src"/> into exactly <paramref name="uncompressedSize"/> bytes.</summary>
    public static ReadOnlyMemory<byte> Decompress(CompressionCodec codec, ReadOnlyMemory<byte> src, int uncompressedSize) =>
        Decompress(codec, src, uncompressedSize, ref Unused);

    [ThreadStatic] private static byte[]? Unused;

    /// <summary>
    /// Decompresses into <paramref name="scratch"/> (grown as needed and reused across pages); the result is valid
    /// until the next call with the same scratch.
    /// </summary>
    public static ReadOnlyMemory<byte> Decompress(CompressionCodec codec, ReadOnlyMemory<byte> src, int uncompressedSize, ref byte[]? scratch)
    {
        if (uncompressedSize < 0) throw new ParquetFormatException($"negative uncompressed page size {uncompressedSize}");
        switch (codec)
        {
            case CompressionCodec.Uncompressed:
                return src;
            case CompressionCodec.Snappy:
            {
                var announced = SnappyCodec.GetUncompressedLength(src.Span);
                if (announced != uncompressedSize)
                    throw new ParquetFormatException($"SNAPPY page holds {announced} bytes, its header says {uncompressedSize}");
                if (scratch == null || scratch.Length < uncompressedSize)
                    scratch = GC.AllocateUninitializedArray<byte>(Math.Max(uncompressedSize, scratch == null ? 0 : Math.Min(Array.MaxLength, scratch.Length * 2)));
                var result = scratch.AsMemory(0, uncompressedSize);
                SnappyCodec.Decompress(src.Span, result.Span);
                return result;
            }
            case CompressionCodec.Gzip:
            {
                if (uncompressedSize > (long)src.Length * 1100 + 4096)
                    throw new ParquetFormatException($"GZIP page of {src.Length} bytes cannot expand to the {uncompressedSize} bytes its header says");
                var result = GC.AllocateUninitializedArray<byte>(uncompressedSize);
                try
                {
                    using var input = new MemoryStreamOver(src);
                    using var gz = new GZipStream(input, CompressionMode.Decompress);
                    var read = 0;
                    while (read < uncompressedSize)
                    {
                        var n = gz.Read(result, read, uncompressedSize - read);
                        if (n == 0) break;
                        read += n;
                    }
                    if (read != uncompressedSize)
                        throw new ParquetFormatException($"GZIP page decompressed to {read} bytes, header says {uncompressedSize}");
                }
                catch (InvalidDataException e) { throw new ParquetFormatException($"GZIP decompression failed: {e.Message}", inner: e); }
                return result;
            }
            case CompressionCodec.Zstd:
            {
                if (uncompressedSize > (long)src.Length * 32768 + 65536)
                    throw new ParquetFormatException($"ZSTD page of {src.Length} bytes cannot expand to the {uncompressedSize} bytes its header says");
                if (scratch == null || scratch.Length < uncompressedSize)
                    scratch = GC.AllocateUninitializedArray<byte>(Math.Max(uncompressedSize, scratch == null ? 0 : Math.Min(Array.MaxLength, scratch.Length * 2)));
                var result = scratch.AsMemory(0, uncompressedSize);
                Zstd.ZstdDecoder.Decompress(src.Span, result.Span);
                return result;
            }
            default:
                throw new ParquetFormatException($"compression codec {codec.ToString().ToUpperInvariant()} is not supported (SNAPPY, GZIP, ZSTD and UNCOMPRESSED are)", kind: ParquetErrorKind.Unsupported);
        }
    }

    /// <summary>GZIP-compresses a page body (the column writer compresses SNAPPY and ZSTD itself, into reused buffers).</summary>
    public static byte[] CompressGzip(ReadOnlySpan<byte> src, CompressionLevel level)
    {
        using var ms = new MemoryStream(src.Length / 3 + 64);
        using (var gz = new GZipStream(ms, level, leaveOpen: true)) gz.Write(src);
        return ms.ToArray();
    }

    /// <summary>A read-only stream over memory without copying.</summary>
    private sealed class MemoryStreamOver(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _pos);
            memory.Span.Slice(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
