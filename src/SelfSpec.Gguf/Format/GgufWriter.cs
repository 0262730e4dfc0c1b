using System.Text;

namespace SelfSpec.Gguf.Format;

/// <summary>
/// Writes GGUF version 3: the magic <c>GGUF</c>, the version, the tensor and metadata counts, the metadata key/values,
/// the tensor infos (name, ggml dimensions, type, data offset), padding to the alignment, then each tensor's data
/// padded to the alignment. Little-endian throughout.
/// </summary>
public static class GgufWriter
{
    /// <summary>The GGUF version written.</summary>
    public const uint Version = 3;

    /// <summary>ggml's default data alignment (<c>general.alignment</c> when absent).</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The four magic bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>
    /// Writes a GGUF file to <paramref name="output"/>, asking each tensor for its values only when its data is written.
    /// </summary>
    /// <param name="output">The destination, at its start (written sequentially; its Position is read once to pad the header).</param>
    /// <param name="metadata">The metadata key/values, in the order they are written.</param>
    /// <param name="tensors">The tensors, in the order they are written.</param>
    /// <param name="onTensorWritten">Called after each tensor's data (index, tensor).</param>
    /// <param name="cancellationToken">Checked before each tensor.</param>
    public static void Write(Stream output, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorSource> tensors,
        Action<int, GgufTensorSource>? onTensorWritten = null, CancellationToken cancellationToken = default)
    {
        var alignment = metadata.FirstOrDefault(kv => kv.Key == "general.alignment").Value is { } a ? (int)a.AsLong() : DefaultAlignment;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!names.Add(t.Name)) throw new ArgumentException($"tensor '{t.Name}' is listed twice");

        var header = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        header.Write(Magic);
        header.Write(Version);
        header.Write((ulong)tensors.Count);
        header.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(header, key);
            header.Write((uint)value.Type);
            WriteValue(header, value, key);
        }
        ulong offset = 0;
        foreach (var t in tensors)
        {
            WriteString(header, t.Name);
            header.Write((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions) header.Write((ulong)d);
            header.Write((uint)t.Type);
            header.Write(offset);
            offset = Align(offset + (ulong)t.ByteSize, alignment);
        }
        header.Flush();
        var position = output.Position;
        Pad(output, ref position, alignment);

        for (var i = 0; i < tensors.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var t = tensors[i];
            var values = t.Values();
            if (values.LongLength != t.Elements)
                throw new InvalidOperationException($"tensor '{t.Name}' produced {values.LongLength} values for dimensions [{string.Join(", ", t.Dimensions)}]");
            WriteData(output, values, t);
            position += t.ByteSize;
            Pad(output, ref position, alignment);
            onTensorWritten?.Invoke(i, t);
        }
        output.Flush();
    }

    private static void WriteData(Stream output, float[] values, GgufTensorSource t)
    {
        // Encode a few rows at a time so the encoded copy never exceeds ~1 MiB.
        var rowLength = (int)t.Dimensions[0];
        var rowBytes = (int)t.Type.ByteSize(rowLength, rowLength);
        var rowsPerChunk = Math.Max(1, (1 << 20) / Math.Max(1, rowBytes));
        var buffer = new byte[rowsPerChunk * rowBytes];
        var rows = values.Length / rowLength;
        for (var r = 0; r < rows; r += rowsPerChunk)
        {
            var n = Math.Min(rowsPerChunk, rows - r);
            var written = TensorEncoding.Encode(values.AsSpan(r * rowLength, n * rowLength), t.Type, buffer);
            output.Write(buffer, 0, written);
        }
    }

    private static void WriteValue(BinaryWriter w, GgufValue v, string key)
    {
        switch (v.Type)
        {
            case GgufValueType.Array:
                var array = (Array)v.Value;
                w.Write((uint)v.ElementType);
                w.Write((ulong)array.Length);
                foreach (var element in array) WriteScalar(w, v.ElementType, element, key);
                break;
            default:
                WriteScalar(w, v.Type, v.Value, key);
                break;
        }
    }

    private static void WriteScalar(BinaryWriter w, GgufValueType type, object value, string key)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(Convert.ToByte(value)); break;
            case GgufValueType.Int8: w.Write(Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: w.Write(Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: w.Write(Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: w.Write(Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: w.Write(Convert.ToInt32(value)); break;
            case GgufValueType.Float32: w.Write(Convert.ToSingle(value)); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: w.Write(Convert.ToInt64(value)); break;
            case GgufValueType.Float64: w.Write(Convert.ToDouble(value)); break;
            default: throw new ArgumentException($"metadata key '{key}': {type} cannot be an array element");
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <paramref name="alignment"/>.</summary>
    public static ulong Align(ulong offset, int alignment) => (offset + (ulong)alignment - 1) / (ulong)alignment * (ulong)alignment;

    private static void Pad(Stream output, ref long position, int alignment)
    {
        var padding = (int)((long)Align((ulong)position, alignment) - position);
        Span<byte> zeros = stackalloc byte[padding];
        zeros.Clear();
        output.Write(zeros);
        position += padding;
    }

}
