using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Gguf.Export;

/// <summary>
/// Exports a Hugging Face Llama-family model folder (config.json, safetensors, tokenizer.json) to a GGUF file that
/// llama.cpp, Ollama and LM Studio load: the model itself, a PEFT LoRA adapter as a GGUF LoRA adapter, or the model
/// with the adapter merged in. Tensors are read, converted and written one at a time into a temporary file that is
/// renamed to the destination at the end.
/// </summary>
public static class GgufExporter
{
    /// <summary>Writes <paramref name="outputPath"/> from <paramref name="modelDirectory"/> as <paramref name="options"/> say.</summary>
    /// <param name="modelDirectory">The Hugging Face model folder.</param>
    /// <param name="outputPath">The GGUF file to write (replaced only when the export succeeds).</param>
    /// <param name="options">Type, adapter, merge.</param>
    /// <param name="log">Receives one line per tensor written and each note.</param>
    /// <param name="cancellationToken">Checked between tensors; a cancelled export leaves no output file.</param>
    /// <exception cref="GgufExportException">The folder, its config, tokenizer, weights or the adapter cannot be exported.</exception>
    public static GgufExportResult Export(string modelDirectory, string outputPath, GgufExportOptions options, Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(modelDirectory);
        if (!Directory.Exists(directory)) throw new GgufExportException($"model folder not found: {directory}");
        var configFile = Path.Combine(directory, "config.json");
        if (!File.Exists(configFile)) throw new GgufExportException($"{directory} has no config.json (a Hugging Face model folder is expected)");
        LlamaConfig config;
        try
        {
            config = LlamaConfig.Load(directory);
        }
        catch (CheckpointFormatException e)
        {
            throw new GgufExportException(e.Message, e);
        }
        var architecture = GgufArchitecture.For(config, configFile);
        var notes = new List<string>();
        var name = options.Name ?? Path.GetFileName(directory);

        using var adapter = options.AdapterDirectory is { } a ? LoadAdapter(a, config) : null;
        List<KeyValuePair<string, GgufValue>> metadata;
        List<GgufTensorSource> tensors;
        using var checkpoint = adapter != null && !options.Merge ? null : OpenCheckpoint(directory, config);
        if (adapter != null && !options.Merge)
        {
            metadata = AdapterMetadata(architecture, adapter, name);
            tensors = AdapterTensors(architecture, adapter, options.Type, notes);
        }
        else
        {
            metadata = architecture.ModelMetadata(name, options.Type);
            metadata.AddRange(TokenizerMetadata.Build(directory, config, notes));
            tensors = ModelTensors(architecture, checkpoint!, options.Type, options.Merge ? adapter : null, notes);
        }
        foreach (var note in notes) log?.Invoke("note: " + note);

        AtomicFile.Write(outputPath, stream => GgufWriter.Write(stream, metadata, tensors,
            (i, t) => log?.Invoke($"[{i + 1}/{tensors.Count}] {t.Name} {t.Type} [{string.Join(", ", t.Dimensions)}]"), cancellationToken));
        return new GgufExportResult(Path.GetFullPath(outputPath), new FileInfo(outputPath).Length, tensors.Count, notes);
    }

    private static CheckpointDirectory OpenCheckpoint(string directory, LlamaConfig config)
    {
        CheckpointDirectory checkpoint;
        try
        {
            checkpoint = CheckpointDirectory.Open(directory);
        }
        catch (Exception e) when (e is CheckpointFormatException or FileNotFoundException)
        {
            throw new GgufExportException(e.Message, e);
        }
        var expected = LlamaModel.ExpectedShapes(config);
        foreach (var (tensor, shape) in expected)
        {
            if (!checkpoint.Contains(tensor))
            {
                checkpoint.Dispose();
                throw new GgufExportException($"{directory}: tensor '{tensor}' is missing (config.json implies shape [{string.Join(", ", shape)}])");
            }
            var (file, info) = checkpoint.Find(tensor);
            if (!info.Shape.SequenceEqual(shape))
            {
                checkpoint.Dispose();
                throw new GgufExportException($"{file.Path}: tensor '{tensor}' has shape {info.ShapeText}, but config.json implies [{string.Join(", ", shape)}]");
            }
        }
        return checkpoint;
    }

    private static LoraAdapter LoadAdapter(string adapterDirectory, LlamaConfig config)
    {
        try
        {
            return LoraAdapter.Load(adapterDirectory, config, DType.Float32);
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or DirectoryNotFoundException or System.Text.Json.JsonException)
        {
            throw new GgufExportException($"adapter {Path.GetFullPath(adapterDirectory)} does not fit this model: {e.Message}", e);
        }
    }

    /// <summary>The HF tensor names of a model, in the order llama.cpp's converter writes them.</summary>
    private static IEnumerable<string> ModelTensorOrder(LlamaConfig c)
    {
        yield return "model.embed_tokens.weight";
        for (var l = 0; l < c.NumLayers; l++)
        {
            yield return $"model.layers.{l}.input_layernorm.weight";
            foreach (var p in LlamaProjections.All)
            {
                yield return p.Path(l) + ".weight";
                if (p.HasBias(c)) yield return p.Path(l) + ".bias";
            }
            yield return $"model.layers.{l}.post_attention_layernorm.weight";
        }
        yield return "model.norm.weight";
        if (!c.TieWordEmbeddings) yield return "lm_head.weight";
    }

    private static List<GgufTensorSource> ModelTensors(GgufArchitecture architecture, CheckpointDirectory checkpoint, GgufOutputType type, LoraAdapter? merge,
        List<string> notes)
    {
        var config = architecture.Config;
        var tensors = new List<GgufTensorSource>();
        if (architecture.RopeFrequencyFactors() is { } factors)
            tensors.Add(new GgufTensorSource("rope_freqs.weight", [factors.Length], GgmlType.F32, () => factors));
        foreach (var hfName in ModelTensorOrder(config))
        {
            var shape = checkpoint.Find(hfName).Info.Shape;
            var ggufName = GgufArchitecture.TensorName(hfName)!;
            long[] dims = shape.Length == 1 ? [shape[0]] : [shape[1], shape[0]];
            var storedType = shape.Length == 1 ? GgmlType.F32 : type.MatrixType();
            if (!storedType.Fits(dims[0]))
            {
                notes.Add($"{ggufName}: rows of {dims[0]} values are not a multiple of {storedType.BlockSize()}, so it stays F16 (as llama.cpp's converter does)");
                storedType = GgmlType.F16;
            }
            var rotaryHeads = architecture.RotaryHeads(hfName);
            var columns = shape.Length == 1 ? 1 : shape[1];
            var name = hfName;
            tensors.Add(new GgufTensorSource(ggufName, dims, storedType, () =>
            {
                var values = CheckpointValues.Read(checkpoint, name);
                if (merge != null) AddAdapterDelta(values, merge, name, config);
                return rotaryHeads > 0 ? GgufArchitecture.PermuteRotaryRows(values, rotaryHeads, columns) : values;
            }));
        }
        return tensors;
    }

    /// <summary>W += s·B·A for the projection weight <paramref name="hfName"/> when the adapter adapts it.</summary>
    private static void AddAdapterDelta(float[] weight, LoraAdapter adapter, string hfName, LlamaConfig config)
    {
        foreach (var ((layer, projection), pair) in adapter.Pairs)
        {
            if (projection.Path(layer) + ".weight" != hfName) continue;
            var a = pair.A.ToArray<float>();
            var b = pair.B.ToArray<float>();
            var rank = (int)pair.A.Shape[0];
            var inFeatures = projection.InFeatures(config);
            var outFeatures = projection.OutFeatures(config);
            var scale = (float)adapter.Scale;
            for (var o = 0; o < outFeatures; o++)
            {
                var row = weight.AsSpan(o * inFeatures, inFeatures);
                for (var i = 0; i < inFeatures; i++)
                {
                    var sum = 0f;
                    for (var k = 0; k < rank; k++) sum += b[o * rank + k] * a[k * inFeatures + i];
                    row[i] += scale * sum;
                }
            }
        }
    }

    private static List<KeyValuePair<string, GgufValue>> AdapterMetadata(GgufArchitecture architecture, LoraAdapter adapter, string name) =>
    [
        new("general.architecture", GgufValue.Of(architecture.Name)),
        new("general.type", GgufValue.Of("adapter")),
        new("general.name", GgufValue.Of(name + "-" + adapter.Name)),
        new("adapter.type", GgufValue.Of("lora")),
        // llama.cpp scales by alpha / rank; writing scale·rank keeps PEFT's scale whether or not it is rsLoRA.
        new("adapter.lora.alpha", GgufValue.Of((float)(adapter.Scale * adapter.Config.Rank))),
    ];

    private static List<GgufTensorSource> AdapterTensors(GgufArchitecture architecture, LoraAdapter adapter, GgufOutputType type, List<string> notes)
    {
        var config = architecture.Config;
        var storedType = type switch { GgufOutputType.F16 => GgmlType.F16, GgufOutputType.BF16 => GgmlType.BF16, _ => GgmlType.F32 };
        if (type == GgufOutputType.Q8_0)
            notes.Add("LoRA matrices are not quantised: the adapter is written in F32 (rank-r rows are too short for Q8_0 blocks)");
        var tensors = new List<GgufTensorSource>();
        foreach (var ((layer, projection), pair) in adapter.Pairs.OrderBy(kv => kv.Key.Layer).ThenBy(kv => kv.Key.Projection))
        {
            var hfName = projection.Path(layer) + ".weight";
            var baseName = GgufArchitecture.TensorName(hfName)!;
            var rank = pair.A.Shape[0];
            var a = pair.A;
            var b = pair.B;
            var rotaryHeads = architecture.RotaryHeads(hfName);
            // A is [r, in] in PyTorch, so [in, r] in ggml order; B is [out, r] → [r, out], and its out rows follow
            // the same rotary reordering as the weight it adapts.
            tensors.Add(new GgufTensorSource(baseName + ".lora_a", [projection.InFeatures(config), rank], storedType, () => a.ToArray<float>()));
            tensors.Add(new GgufTensorSource(baseName + ".lora_b", [rank, projection.OutFeatures(config)], storedType, () =>
            {
                var values = b.ToArray<float>();
                return rotaryHeads > 0 ? GgufArchitecture.PermuteRotaryRows(values, rotaryHeads, rank) : values;
            }));
        }
        return tensors;
    }
}
