using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;

namespace SelfSpec.Llm.Lora;

/// <summary>The fields of a PEFT <c>adapter_config.json</c> this engine uses (unknown keys are ignored when reading).</summary>
public sealed record LoraConfig
{
    /// <summary>File name of the config inside an adapter directory.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>Rank r.</summary>
    public int Rank { get; init; } = 8;
    /// <summary><c>lora_alpha</c>.</summary>
    public double Alpha { get; init; } = 8;
    /// <summary><c>lora_dropout</c> (training only).</summary>
    public double Dropout { get; init; }
    /// <summary><c>use_rslora</c>: scale alpha/√r instead of alpha/r.</summary>
    public bool UseRsLora { get; init; }
    /// <summary>Target module names (<c>q_proj</c>, …); empty when <see cref="TargetModulesRegex"/> is used.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = LlamaProjections.All.Select(p => p.ModuleName()).ToArray();
    /// <summary><c>target_modules</c> given as a regex string (matched against full module paths).</summary>
    public string? TargetModulesRegex { get; init; }
    /// <summary><c>base_model_name_or_path</c>.</summary>
    public string? BaseModel { get; init; }

    /// <summary>The factor applied to B·A.</summary>
    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>True when the config adapts <paramref name="projection"/> of <paramref name="layer"/>.</summary>
    public bool Targets(LlamaProjection projection, int layer) => TargetModulesRegex != null
        ? Regex.IsMatch(projection.Path(layer), "^(?:" + TargetModulesRegex + ")$") // PEFT: re.fullmatch on the module path
        : TargetModules.Contains(projection.ModuleName());

    /// <summary>Reads <c>adapter_config.json</c> from an adapter directory.</summary>
    public static LoraConfig Load(string directory)
    {
        var file = Path.GetFullPath(Path.Combine(directory, FileName));
        if (!File.Exists(file)) throw new FileNotFoundException($"adapter config not found: {file}", file);
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new CheckpointFormatException(file, null, "is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(file, null, $"is not valid JSON: {e.Message}", e);
        }
        var peftType = o["peft_type"]?.GetValue<string>();
        if (peftType != null && peftType != "LORA") throw new CheckpointFormatException(file, null, $"peft_type '{peftType}' is not LORA");
        if (o["use_dora"] is JsonValue dv && dv.TryGetValue<bool>(out var dora) && dora) throw new CheckpointFormatException(file, null, "DoRA adapters are not supported");
        if (o["fan_in_fan_out"] is JsonValue fv && fv.TryGetValue<bool>(out var fan) && fan) throw new CheckpointFormatException(file, null, "fan_in_fan_out adapters are not supported");
        var bias = o["bias"]?.GetValue<string>() ?? "none";
        if (bias != "none") throw new CheckpointFormatException(file, null, $"bias '{bias}' is not supported (only none)");

        var config = new LoraConfig
        {
            Rank = o["r"] is JsonValue r && r.TryGetValue<int>(out var rv) ? rv : 8,
            Alpha = o["lora_alpha"] is JsonValue a && a.TryGetValue<double>(out var av) ? av : 8,
            Dropout = o["lora_dropout"] is JsonValue d && d.TryGetValue<double>(out var dv2) ? dv2 : 0,
            UseRsLora = o["use_rslora"] is JsonValue rs && rs.TryGetValue<bool>(out var rsv) && rsv,
            BaseModel = o["base_model_name_or_path"] is JsonValue b && b.TryGetValue<string>(out var bv) ? bv : null,
        };
        return o["target_modules"] switch
        {
            JsonArray arr => config with { TargetModules = arr.Select(x => x!.GetValue<string>()).ToArray() },
            JsonValue v when v.TryGetValue<string>(out var regex) => config with { TargetModules = [], TargetModulesRegex = regex },
            _ => config,
        };
    }

    /// <summary>Writes <c>adapter_config.json</c> in PEFT's layout.</summary>
    public void Save(string directory)
    {
        var o = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = BaseModel,
            ["r"] = Rank,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_rslora"] = UseRsLora,
            ["use_dora"] = false,
            ["target_modules"] = TargetModulesRegex != null ? JsonValue.Create(TargetModulesRegex) : new JsonArray(TargetModules.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()),
        };
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
