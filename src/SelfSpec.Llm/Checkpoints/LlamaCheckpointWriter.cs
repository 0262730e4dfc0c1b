using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Checkpoints;

/// <summary>
/// Saves a <see cref="LlamaModel"/> as a Hugging Face model folder that <see cref="LlamaModel.Load"/> and transformers'
/// <c>AutoModelForCausalLM.from_pretrained</c> read: <c>config.json</c>, <c>model.safetensors</c> (one file, float32, a
/// tied <c>lm_head</c> left out as transformers does) and <c>generation_config.json</c>. The tokenizer files are the
/// tokenizer's business (<c>BpeTrainer.Train</c> writes them into the same folder).
/// </summary>
public static class LlamaCheckpointWriter
{
    /// <summary>The file name of the architecture.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The file name of the generation defaults.</summary>
    public const string GenerationConfigFileName = "generation_config.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the three files into <paramref name="directory"/> (created if needed) and returns their paths.</summary>
    /// <param name="model">The model; its weights are copied to the CPU as they are written.</param>
    /// <param name="directory">The model folder.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries of the safetensors header (<c>format: pt</c> is always set).</param>
    public static IReadOnlyList<string> Save(LlamaModel model, string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(directory);
        var weights = Path.Combine(directory, CheckpointDirectory.SingleFileName);
        var header = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata != null)
            foreach (var (k, v) in metadata) header[k] = v;
        using (new NoGrad())
        {
            var tensors = model.NamedWeights().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            SafetensorsWriter.Write(weights, tensors, header);
        }
        var config = Path.Combine(directory, ConfigFileName);
        WriteJson(config, model.Config.ToJson());
        var generation = Path.Combine(directory, GenerationConfigFileName);
        WriteJson(generation, GenerationConfig(model.Config));
        return [config, weights, generation];
    }

    /// <summary>The <c>generation_config.json</c> transformers derives from a config: the special token ids.</summary>
    public static JsonObject GenerationConfig(LlamaConfig config)
    {
        var o = new JsonObject { ["_from_model_config"] = true };
        if (config.BosTokenId is { } bos) o["bos_token_id"] = bos;
        if (config.EosTokenIds.Count == 1) o["eos_token_id"] = config.EosTokenIds[0];
        else if (config.EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(config.EosTokenIds.Select(e => (JsonNode)e).ToArray());
        if (config.PadTokenId is { } pad) o["pad_token_id"] = pad;
        return o;
    }

    private static void WriteJson(string path, JsonObject content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content.ToJsonString(Indented) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
