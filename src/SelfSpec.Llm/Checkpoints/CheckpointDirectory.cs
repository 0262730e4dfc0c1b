using System.Text.Json;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model directory: one <c>model.safetensors</c>, or the shards listed in
/// <c>model.safetensors.index.json</c>. Every shard is memory-mapped once; tensors are looked up by name.
/// </summary>
public sealed class CheckpointDirectory : IDisposable
{
    /// <summary>Name of the single-file weights.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>Name of the shard index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> files;
    private readonly Dictionary<string, SafetensorsFile> byTensor;

    private CheckpointDirectory(string directory, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byTensor)
    {
        Directory = directory;
        this.files = files;
        this.byTensor = byTensor;
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The opened safetensors files.</summary>
    public IReadOnlyList<SafetensorsFile> Files => files;

    /// <summary>All tensor names across the shards.</summary>
    public IEnumerable<string> Names => byTensor.Keys;

    /// <summary>Opens the weights of <paramref name="directory"/>, validating every shard header and the index.</summary>
    /// <exception cref="CheckpointFormatException">A shard or the index is invalid or they disagree.</exception>
    public static CheckpointDirectory Open(string directory)
    {
        var dir = Path.GetFullPath(directory);
        var indexPath = Path.Combine(dir, IndexFileName);
        var singlePath = Path.Combine(dir, SingleFileName);
        var files = new List<SafetensorsFile>();
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(indexPath))
            {
                var weightMap = ReadIndex(indexPath);
                var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
                foreach (var shard in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
                {
                    var shardPath = Path.Combine(dir, shard);
                    if (!File.Exists(shardPath)) throw new CheckpointFormatException(indexPath, null, $"names shard '{shard}', which does not exist");
                    var f = SafetensorsFile.Open(shardPath);
                    files.Add(f);
                    opened[shard] = f;
                }
                foreach (var (tensor, shard) in weightMap)
                {
                    var f = opened[shard];
                    if (!f.Contains(tensor)) throw new CheckpointFormatException(f.Path, tensor, $"is listed in {IndexFileName} but missing from the shard");
                    byTensor[tensor] = f;
                }
                foreach (var f in files)
                    foreach (var name in f.Names)
                        if (!byTensor.TryGetValue(name, out var owner) || owner != f)
                            throw new CheckpointFormatException(f.Path, name, $"is in the shard but not assigned to it by {IndexFileName}");
            }
            else if (File.Exists(singlePath))
            {
                var f = SafetensorsFile.Open(singlePath);
                files.Add(f);
                foreach (var name in f.Names) byTensor[name] = f;
            }
            else
            {
                throw new FileNotFoundException($"{dir} has neither {SingleFileName} nor {IndexFileName}", singlePath);
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
        return new CheckpointDirectory(dir, files, byTensor);
    }

    /// <summary>True if some shard holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => byTensor.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/> and the file holding it.</summary>
    public (SafetensorsFile File, SafetensorsTensorInfo Info) Find(string name) =>
        byTensor.TryGetValue(name, out var f) ? (f, f.Tensors[name]) : throw new CheckpointFormatException(Directory, name, "missing from the checkpoint");

    /// <summary>Loads a tensor converted to <paramref name="dtype"/> (zero-copy when it is stored in that dtype).</summary>
    public Tensor Load(string name, DType dtype) => Find(name).File.Load(name, dtype);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in files) f.Dispose();
    }

    private static Dictionary<string, string> ReadIndex(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(indexPath, null, "has no weight_map object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String) throw new CheckpointFormatException(indexPath, p.Name, "weight_map value is not a file name");
                var shard = p.Value.GetString()!;
                if (shard.Contains('/') || shard.Contains('\\') || shard == "..")
                    throw new CheckpointFormatException(indexPath, p.Name, $"shard name '{shard}' is not a plain file name");
                if (!result.TryAdd(p.Name, shard)) throw new CheckpointFormatException(indexPath, p.Name, "appears twice in weight_map");
            }
            return result;
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(indexPath, null, $"is not valid JSON: {e.Message}", e);
        }
    }
}
