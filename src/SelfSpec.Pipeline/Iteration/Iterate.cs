using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Iteration;

/// <summary>
/// Opens the next self-specialization iteration (the paper's iteration 2): the model tuned so far (base + adapter)
/// becomes the expert that writes a fresh instruction set and its responses, decoding contrastively against the base
/// model as amateur (eq. 3), and the next adapter is trained from the base again.
/// <para>
/// The stages themselves are the ordinary activities placed after this one in the workflow (GenerateInstructions,
/// FilterInstructions, RetrieveDocuments, GenerateResponses with <c>adapter</c> and <c>contrastiveAlpha</c> bound to
/// this activity's outputs, then TrainAdapter), so each is cached, resumable and visible in the designer. This activity
/// checks before any generation starts that the adapter fits the base model (a mismatch fails here, naming the tensor,
/// not an hour later), derives the iteration's random seed so it does not replay iteration 1's samples, and records
/// the decision in <c>iteration.json</c>.
/// </para>
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization",
    Description = "Starts iteration n: checks the previous adapter against the base and outputs the expert adapter, contrastive settings and a fresh seed for the stages that follow.")]
public sealed class Iterate : WorkflowActivity
{
    /// <summary>The record's file name.</summary>
    public const string FileName = "iteration.json";

    /// <summary>Seeds of successive iterations are this far apart.</summary>
    public const int SeedStride = 1000;

    /// <summary>The base model folder (the amateur, and the model the next adapter is trained on).</summary>
    [ActivityInput(Description = "Base model folder, or OpenAI-compatible endpoints openai:URL[;URL...]#MODEL&weights=FOLDER (the iteration generates there; contrastive decoding with expert = the adapter's served name, amateur = the base; the adapter is checked against weights=).", Required = true)]
    public string Model { get; set; } = "";

    /// <summary>The adapter of the previous iteration (the expert is base + this adapter).</summary>
    [ActivityInput(Description = "Adapter folder of the previous iteration.", Required = true)]
    public string Adapter { get; set; } = "";

    /// <summary>The iteration being started (2 for the paper's second iteration).</summary>
    [ActivityInput(Description = "The iteration being started (default 2).")]
    public int Iteration { get; set; } = 2;

    /// <summary>The workflow's random seed; the iteration's seed is derived from it.</summary>
    [ActivityInput(Description = "The workflow's random seed (default 42).")]
    public int RandomSeed { get; set; } = 42;

    /// <summary>The plausibility threshold α of contrastive decoding (paper: 0.1).</summary>
    [ActivityInput(Description = "Contrastive decoding α (default 0.1).")]
    public double ContrastiveAlpha { get; set; } = 0.1;

    /// <summary>The temperature applied to the amateur's log-probabilities.</summary>
    [ActivityInput(Description = "Amateur temperature (default 1.0).")]
    public double AmateurTemperature { get; set; } = 1.0;

    /// <summary>The expert's adapter (the input, checked).</summary>
    [ActivityOutput(Description = "The expert's adapter folder.")]
    public string? ExpertAdapter { get; set; }

    /// <summary>α for the iteration's generation stages.</summary>
    [ActivityOutput(Description = "Contrastive α for the iteration's stages.")]
    public double IterationContrastiveAlpha { get; set; }

    /// <summary>The amateur temperature for the iteration's generation stages.</summary>
    [ActivityOutput(Description = "Amateur temperature for the iteration's stages.")]
    public double IterationAmateurTemperature { get; set; }

    /// <summary>The iteration's random seed: <c>RandomSeed + (Iteration − 1) · 1000</c>.</summary>
    [ActivityOutput(Description = "Random seed for the iteration's stages.")]
    public int IterationSeed { get; set; }

    /// <summary><c>iteration.json</c>.</summary>
    [ActivityOutput(Description = "iteration.json")]
    public ArtifactRef? Record { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        if (Iteration < 2) throw new PipelineException($"iteration must be at least 2 (iteration 1 has no adapter to start from), got {Iteration}", field: "iteration");
        if (!(ContrastiveAlpha is >= 0 and < 1)) throw new PipelineException($"contrastive α must be in [0, 1), got {ContrastiveAlpha}", field: "contrastiveAlpha");
        if (!(AmateurTemperature > 0)) throw new PipelineException($"the amateur temperature must be > 0, got {AmateurTemperature}", field: "amateurTemperature");
        // With endpoints the generation stages run there, but the next adapter trains on the local weights (weights=).
        var modelFolder = ModelSource.LocalWeights(Model, "model");
        if (!File.Exists(Path.Combine(modelFolder, "config.json")))
            throw new PipelineException($"{modelFolder} is not a model folder (no config.json)", file: modelFolder, field: "model");
        if (!File.Exists(Path.Combine(Adapter, LoraConfig.FileName)))
            throw new PipelineException($"{Adapter} is not an adapter folder (no {LoraConfig.FileName})", file: Adapter, field: "adapter");

        // Loading the adapter against the base's config checks every tensor name and shape.
        var config = LlamaConfig.Load(modelFolder);
        using (var adapter = LoraAdapter.Load(Adapter, config, DType.Float32))
        {
            ExpertAdapter = Adapter;
            context.Log($"iteration {Iteration}: expert = base + {adapter.Pairs.Count} adapted projections (r = {adapter.Config.Rank}), amateur = base, α = {ContrastiveAlpha}");
        }
        IterationContrastiveAlpha = ContrastiveAlpha;
        IterationAmateurTemperature = AmateurTemperature;
        IterationSeed = checked(RandomSeed + (Iteration - 1) * SeedStride);

        var weights = Path.Combine(Adapter, "adapter_model.safetensors");
        var record = new JsonObject
        {
            ["iteration"] = Iteration,
            ["base_model"] = ModelSource.IsRemote(Model) ? Model : Path.GetFullPath(Model),
            ["expert"] = new JsonObject
            {
                ["adapter"] = Path.GetFullPath(Adapter),
                ["adapter_sha256"] = File.Exists(weights) ? ArtifactRef.HashFile(weights) : null,
            },
            ["amateur"] = "base model without adapter",
            ["contrastive_alpha"] = ContrastiveAlpha,
            ["amateur_temperature"] = AmateurTemperature,
            ["random_seed"] = IterationSeed,
            ["next_adapter_trained_from"] = "base model",
        };
        File.WriteAllText(context.GetArtifactPath(FileName), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Record = context.RegisterArtifact(FileName);
        return ValueTask.CompletedTask;
    }
}
