using System.Text;
using System.Text.Json;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Checkpoints;

/// <summary>
/// Writes tensors to a safetensors file the way the reference implementation does: header padded with
/// spaces to a multiple of 8 bytes, tensors ordered by descending alignment then name. The file is written
/// to a temporary name and renamed into place, so a crash or cancellation never leaves a half-written file.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (any device, any layout) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors
            .OrderByDescending(kv => kv.Value.DType.ElementSize())
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();

        var header = new MemoryStream();
        long offset = 0;
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            foreach (var (name, t) in ordered)
            {
                var bytes = t.NumElements * t.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDType.FromTorch(t.DType));
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        var headerLength = header.Length;
        var padded = (headerLength + 7) / 8 * 8;

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                Span<byte> len = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(len, padded);
                fs.Write(len);
                header.Position = 0;
                header.CopyTo(fs);
                for (var i = headerLength; i < padded; i++) fs.WriteByte((byte)' ');
                foreach (var (_, t) in ordered)
                {
                    using var cpu = t.Device.Type == DeviceType.Cpu ? t.Contiguous() : t.Cpu();
                    fs.Write(cpu.ToBytes());
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
