using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Checkpoints;

/// <summary>
/// A safetensors file opened read-only through a memory map. The header is validated when the file is
/// opened (offsets tile the data buffer exactly, sizes match dtype × shape, no duplicate names, no truncation);
/// <see cref="Load(string)"/> returns tensors that point straight into the mapped pages, so weights are never read twice.
/// The mapping stays alive until this object and every tensor loaded from it are disposed.
/// Loaded tensors are read-only memory: copy (<see cref="Tensor.Clone"/> or a dtype conversion) before writing.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header the format allows.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MappedRegion region;
    private readonly Dictionary<string, SafetensorsTensorInfo> tensors;
    private bool disposed;

    private SafetensorsFile(string path, MappedRegion region, Dictionary<string, SafetensorsTensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Path = path;
        this.region = region;
        this.tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The optional <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>File offset of the data buffer (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>The header entries by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => tensors;

    /// <summary>The tensor names.</summary>
    public IEnumerable<string> Names => tensors.Keys;

    /// <summary>True if the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => tensors.ContainsKey(name);

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a valid safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"safetensors file not found: {full}", full);
        var length = new FileInfo(full).Length;
        if (length < 8) throw new CheckpointFormatException(full, null, $"file is {length} bytes, too short for the 8-byte header length");

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(full, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MappedRegion region;
        try
        {
            region = new MappedRegion(map, length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
        try
        {
            var (entries, metadata, dataStart) = ParseHeader(full, region, length);
            return new SafetensorsFile(full, region, entries, metadata, dataStart);
        }
        catch
        {
            region.Release();
            throw;
        }
    }

    /// <summary>
    /// The tensor <paramref name="name"/> as a zero-copy view of the mapped file (dtype and shape as stored).
    /// </summary>
    public Tensor Load(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!tensors.TryGetValue(name, out var info)) throw new CheckpointFormatException(Path, name, "no such tensor in the file");
        var dtype = SafetensorsDType.ToTorch(info.DType)
            ?? throw new CheckpointFormatException(Path, name, $"dtype {info.DType} is not supported by the tensor engine");
        region.AddRef();
        try
        {
            return Tensor.FromBlob(region.Pointer + (nint)(DataStart + info.Begin), info.Shape, default, dtype, new RegionLease(region));
        }
        catch
        {
            region.Release();
            throw;
        }
    }

    /// <summary>The tensor <paramref name="name"/> converted to <paramref name="dtype"/> (a copy unless the dtype already matches).</summary>
    public Tensor Load(string name, DType dtype)
    {
        var t = Load(name);
        if (t.DType == dtype) return t;
        using (t) return t.To(dtype);
    }

    /// <summary>The raw bytes of one tensor, straight from the mapped file.</summary>
    public unsafe ReadOnlySpan<byte> RawBytes(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!tensors.TryGetValue(name, out var info)) throw new CheckpointFormatException(Path, name, "no such tensor in the file");
        return new ReadOnlySpan<byte>((byte*)region.Pointer + DataStart + info.Begin, checked((int)info.ByteLength));
    }

    /// <summary>Releases this object's hold on the mapping (tensors already loaded keep it alive).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        region.Release();
    }

    private static unsafe (Dictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>, long) ParseHeader(
        string file, MappedRegion region, long fileLength)
    {
        var p = (byte*)region.Pointer;
        var headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw new CheckpointFormatException(file, null, $"header length {headerLength} is outside the allowed range 2..{MaxHeaderBytes}");
        if (8 + headerLength > fileLength)
            throw new CheckpointFormatException(file, null, $"header length {headerLength} runs past the end of the file ({fileLength} bytes): the file is truncated or not safetensors");
        var headerBytes = new ReadOnlySpan<byte>(p + 8, (int)headerLength);
        if (headerBytes[0] != (byte)'{') throw new CheckpointFormatException(file, null, "header does not start with '{'");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes.ToArray());
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(file, null, $"header is not valid JSON: {e.Message}", e);
        }

        var dataStart = 8 + headerLength;
        var bufferLength = fileLength - dataStart;
        var entries = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointFormatException(file, null, "header is not a JSON object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw new CheckpointFormatException(file, prop.Name, "appears twice in the header");
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw new CheckpointFormatException(file, null, "__metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw new CheckpointFormatException(file, null, $"__metadata__ value '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(prop.Name, ParseEntry(file, prop));
            }
        }

        // The offsets must tile [0, bufferLength) without gaps or overlaps.
        long expected = 0;
        foreach (var e in entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
                throw new CheckpointFormatException(file, e.Name, e.Begin < expected
                    ? $"data_offsets [{e.Begin}, {e.End}] overlap the previous tensor (which ends at {expected})"
                    : $"data_offsets [{e.Begin}, {e.End}] leave a gap after offset {expected}");
            if (e.End > bufferLength)
                throw new CheckpointFormatException(file, e.Name, $"data_offsets [{e.Begin}, {e.End}] run past the end of the data buffer ({bufferLength} bytes): the file is truncated");
            expected = e.End;
        }
        if (expected != bufferLength)
            throw new CheckpointFormatException(file, null, $"the tensors cover {expected} bytes but the data buffer holds {bufferLength}: the header does not describe the file");
        return (entries, metadata, dataStart);
    }

    private static SafetensorsTensorInfo ParseEntry(string file, JsonProperty prop)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new CheckpointFormatException(file, name, "header entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException(file, name, "header entry has no dtype string");
        var dtype = dt.GetString()!;
        if (!SafetensorsDType.IsKnown(dtype)) throw new CheckpointFormatException(file, name, $"unknown dtype '{dtype}'");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException(file, name, "header entry has no shape array");
        var shape = new long[sh.GetArrayLength()];
        var i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var n) || n < 0)
                throw new CheckpointFormatException(file, name, $"shape entry {d} is not a non-negative integer");
            shape[i++] = n;
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointFormatException(file, name, "header entry has no data_offsets pair");
        var begin = ReadOffset(file, name, off[0]);
        var end = ReadOffset(file, name, off[1]);
        if (end < begin) throw new CheckpointFormatException(file, name, $"data_offsets [{begin}, {end}] end before they begin");
        var info = new SafetensorsTensorInfo(name, dtype, shape, begin, end);
        long bytes;
        try
        {
            bytes = checked(info.NumElements * SafetensorsDType.SizeOf(dtype));
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(file, name, $"shape {info.ShapeText} is too large");
        }
        if (bytes != info.ByteLength)
            throw new CheckpointFormatException(file, name, $"data_offsets [{begin}, {end}] span {info.ByteLength} bytes but {dtype} {info.ShapeText} needs {bytes}");
        return info;
    }

    private static long ReadOffset(string file, string name, JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n) && n >= 0
            ? n
            : throw new CheckpointFormatException(file, name, $"data offset {e} is not a non-negative integer");

    /// <summary>A memory map shared by the file object and the tensors pointing into it.</summary>
    private sealed unsafe class MappedRegion
    {
        private readonly MemoryMappedFile map;
        private readonly MemoryMappedViewAccessor view;
        private int references = 1;

        public MappedRegion(MemoryMappedFile map, long length)
        {
            this.map = map;
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = (nint)(p + view.PointerOffset);
        }

        public nint Pointer { get; }

        public void AddRef() => Interlocked.Increment(ref references);

        public void Release()
        {
            if (Interlocked.Decrement(ref references) != 0) return;
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
        }
    }

    private sealed class RegionLease(MappedRegion region) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) region.Release();
        }
    }
}
