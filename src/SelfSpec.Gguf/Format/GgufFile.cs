using System.Text;

namespace SelfSpec.Gguf.Format;

/// <summary>
/// A GGUF file's header, metadata and tensor infos, read eagerly; tensor data is read on demand
/// (<see cref="ReadTensor"/>). For inspection (<c>selfspec export gguf --check</c>) and tests.
/// </summary>
public sealed class GgufFile
{
    private readonly Dictionary<string, GgufTensorInfo> byName;

    private GgufFile(string path, uint version, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorInfo> tensors, long dataStart)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The GGUF version.</summary>
    public uint Version { get; }

    /// <summary>The metadata key/values in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }

    /// <summary>The tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The file offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>The value of a metadata key, or null.</summary>
    public GgufValue? this[string key] => Metadata.FirstOrDefault(kv => kv.Key == key).Value;

    /// <summary>The info of a tensor, or null.</summary>
    public GgufTensorInfo? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>Reads a GGUF file's header, metadata and tensor infos.</summary>
    /// <exception cref="InvalidDataException">The file is not GGUF, is truncated, or holds an unknown type.</exception>
    public static GgufFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(GgufWriter.Magic)) throw new InvalidDataException($"{path} is not a GGUF file (bad magic)");
            var version = r.ReadUInt32();
            if (version is < 2 or > 3) throw new InvalidDataException($"{path}: GGUF version {version} is not supported (2 or 3)");
            var tensorCount = r.ReadUInt64();
            var kvCount = r.ReadUInt64();
            var metadata = new List<KeyValuePair<string, GgufValue>>();
            for (ulong i = 0; i < kvCount; i++)
            {
                var key = ReadString(r);
                var type = (GgufValueType)r.ReadUInt32();
                metadata.Add(new(key, ReadValue(r, type, path, key)));
            }
            var tensors = new List<GgufTensorInfo>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = ReadString(r);
                var dims = new long[r.ReadUInt32()];
                for (var d = 0; d < dims.Length; d++) dims[d] = (long)r.ReadUInt64();
                var type = (GgmlType)r.ReadUInt32();
                if (!Enum.IsDefined(type)) throw new InvalidDataException($"{path}: tensor '{name}' has ggml type {(uint)type}, which this reader does not decode");
                tensors.Add(new GgufTensorInfo(name, dims, type, r.ReadUInt64()));
            }
            var alignment = metadata.FirstOrDefault(kv => kv.Key == "general.alignment").Value?.AsLong() ?? GgufWriter.DefaultAlignment;
            var dataStart = (long)GgufWriter.Align((ulong)stream.Position, (int)alignment);
            foreach (var t in tensors)
                if (dataStart + (long)t.Offset + t.ByteSize > stream.Length)
                    throw new InvalidDataException($"{path}: tensor '{t.Name}' ends past the end of the file (truncated?)");
            return new GgufFile(path, version, metadata, tensors, dataStart);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} is truncated", e);
        }
    }

    /// <summary>Reads one tensor's values as f32 (dequantising Q8_0, widening F16/BF16).</summary>
    public float[] ReadTensor(string name)
    {
        var info = Find(name) ?? throw new KeyNotFoundException($"{Path} has no tensor '{name}'");
        using var stream = File.OpenRead(Path);
        stream.Position = DataStart + (long)info.Offset;
        var bytes = new byte[info.ByteSize];
        stream.ReadExactly(bytes);
        return TensorEncoding.Decode(bytes, info.Type, info.Elements);
    }

    private static string ReadString(BinaryReader r)
    {
        var length = r.ReadUInt64();
        if (length > int.MaxValue) throw new InvalidDataException($"string of {length} bytes");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    private static GgufValue ReadValue(BinaryReader r, GgufValueType type, string path, string key)
    {
        if (type != GgufValueType.Array) return new GgufValue(type, ReadScalar(r, type, path, key));
        var elementType = (GgufValueType)r.ReadUInt32();
        var count = r.ReadUInt64();
        if (count > int.MaxValue) throw new InvalidDataException($"{path}: metadata '{key}' has {count} elements");
        Array array = elementType switch
        {
            GgufValueType.String => new string[count],
            GgufValueType.Int32 => new int[count],
            GgufValueType.UInt32 => new uint[count],
            GgufValueType.Float32 => new float[count],
            _ => new object[count],
        };
        for (var i = 0; i < (int)count; i++) array.SetValue(ReadScalar(r, elementType, path, key), i);
        return new GgufValue(GgufValueType.Array, array, elementType);
    }

    private static object ReadScalar(BinaryReader r, GgufValueType type, string path, string key) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() != 0,
        GgufValueType.String => ReadString(r),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        _ => throw new InvalidDataException($"{path}: metadata '{key}' has unknown value type {(uint)type}"),
    };
}
