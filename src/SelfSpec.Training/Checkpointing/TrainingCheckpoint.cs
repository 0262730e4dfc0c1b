using System.Globalization;
using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Torch;
using SelfSpec.Torch.Optim;

namespace SelfSpec.Training.Checkpointing;

/// <summary>
/// A resumable snapshot in <c>checkpoint-{step}/</c>: the adapter in PEFT layout, the AdamW moments
/// (<c>optimizer.safetensors</c>, keyed by the adapter's tensor names) and <c>trainer_state.json</c> (step, epoch
/// position, evaluation history, dropout RNG state). Written to a temporary folder and renamed into place, so a
/// crash mid-save never leaves a checkpoint that looks complete.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>File name of the optimiser state.</summary>
    public const string OptimizerFileName = "optimizer.safetensors";

    /// <summary>File name of the trainer state.</summary>
    public const string StateFileName = "trainer_state.json";

    private const string Prefix = "checkpoint-";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The folder of the checkpoint at <paramref name="step"/>.</summary>
    public static string DirectoryFor(string outputDirectory, long step) => Path.Combine(outputDirectory, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>The complete checkpoints in <paramref name="outputDirectory"/>, oldest first.</summary>
    public static IReadOnlyList<(long Step, string Directory)> List(string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory)) return [];
        return Directory.GetDirectories(outputDirectory, Prefix + "*")
            .Select(d => (Name: Path.GetFileName(d), Dir: d))
            .Where(x => long.TryParse(x.Name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _)
                        && File.Exists(Path.Combine(x.Dir, StateFileName)))
            .Select(x => (long.Parse(x.Name.AsSpan(Prefix.Length), CultureInfo.InvariantCulture), x.Dir))
            .OrderBy(x => x.Item1)
            .ToList();
    }

    /// <summary>Writes a checkpoint; <paramref name="parameterNames"/> names the optimiser's parameters in order.</summary>
    public static string Save(string outputDirectory, LoraAdapter adapter, AdamW optimizer, IReadOnlyList<string> parameterNames, TrainerState state)
    {
        var final = DirectoryFor(outputDirectory, state.GlobalStep);
        var temp = Path.Combine(outputDirectory, "." + Path.GetFileName(final) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(temp);
        try
        {
            adapter.Save(temp);
            using (var scope = DisposeScope.Begin())
            {
                var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                long step = 0;
                for (var i = 0; i < parameterNames.Count; i++)
                {
                    if (optimizer.GetState(i) is not { } s) continue;
                    step = s.Step;
                    tensors[parameterNames[i] + ".exp_avg"] = s.ExpAvg;
                    tensors[parameterNames[i] + ".exp_avg_sq"] = s.ExpAvgSq;
                }
                SafetensorsWriter.Write(Path.Combine(temp, OptimizerFileName), tensors,
                    new Dictionary<string, string> { ["adam_step"] = step.ToString(CultureInfo.InvariantCulture) });
            }
            File.WriteAllText(Path.Combine(temp, StateFileName), JsonSerializer.Serialize(state, Json));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
            return final;
        }
        catch
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Reads a checkpoint's trainer state.</summary>
    public static TrainerState ReadState(string checkpointDirectory) =>
        JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(checkpointDirectory, StateFileName)), Json)
        ?? throw new InvalidDataException($"{Path.Combine(checkpointDirectory, StateFileName)} is empty");

    /// <summary>
    /// Restores a checkpoint into an existing trainable adapter (its tensors are overwritten in place, so the
    /// optimiser keeps referring to them) and optimiser; returns the trainer state.
    /// </summary>
    public static TrainerState Restore(string checkpointDirectory, LoraAdapter adapter, AdamW optimizer, IReadOnlyList<string> parameterNames)
    {
        var state = ReadState(checkpointDirectory);
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        using (var weights = SafetensorsFile.Open(Path.Combine(checkpointDirectory, LoraAdapter.WeightsFileName)))
        {
            foreach (var ((layer, p), pair) in adapter.Pairs)
            {
                pair.A.CopyFrom(weights.Load(LoraAdapter.TensorName(layer, p, 'A')));
                pair.B.CopyFrom(weights.Load(LoraAdapter.TensorName(layer, p, 'B')));
            }
        }
        using var moments = SafetensorsFile.Open(Path.Combine(checkpointDirectory, OptimizerFileName));
        var step = long.Parse(moments.Metadata.GetValueOrDefault("adam_step", "0"), CultureInfo.InvariantCulture);
        for (var i = 0; i < parameterNames.Count; i++)
        {
            var m = parameterNames[i] + ".exp_avg";
            if (!moments.Contains(m)) continue;
            var device = optimizer.Parameters[i].Device;
            optimizer.SetState(i, new AdamWParameterState(step, moments.Load(m).To(device), moments.Load(parameterNames[i] + ".exp_avg_sq").To(device)));
        }
        return state;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints.</summary>
    public static void Prune(string outputDirectory, int keep)
    {
        var all = List(outputDirectory);
        foreach (var (_, dir) in all.Take(Math.Max(0, all.Count - keep)))
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
