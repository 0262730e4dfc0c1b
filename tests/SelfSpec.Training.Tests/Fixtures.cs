using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Data;

namespace SelfSpec.Training.Tests;

/// <summary>The PyTorch reference fixtures in shared/fixtures/llama.</summary>
internal static class Fixtures
{
    public static string Dir(params string[] parts) => Paths.Fixture(["llama", .. parts]);

    public static string Model => Dir("tiny-llama");
    public static string Adapter => Dir("tiny-lora");

    private static readonly Lazy<JsonElement> CasesLazy = new(() => JsonDocument.Parse(File.ReadAllText(Dir("cases.json"))).RootElement);

    public static JsonElement Cases => CasesLazy.Value;

    public static double Tolerance(string name) => Cases.GetProperty("tolerances").GetProperty(name).GetDouble();

    /// <summary>A tensor of a fixture safetensors file, copied out of the map.</summary>
    public static Tensor Load(string file, string name)
    {
        using var f = SafetensorsFile.Open(Dir(file));
        using var t = f.Load(name);
        return t.Clone().DetachFromScope();
    }

    public static IReadOnlyList<string> Names(string file)
    {
        using var f = SafetensorsFile.Open(Dir(file));
        return f.Names.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The two fixture rows with labels −100 on the first 5 positions, as training examples.</summary>
    public static List<TrainingExample> LabelledRows()
    {
        using var ids = Load("expected.safetensors", "input_ids");
        using var labels = Load("expected.safetensors", "labels");
        var t = (int)ids.Size(1);
        var idv = ids.ToArray<long>();
        var lv = labels.ToArray<long>();
        return Enumerable.Range(0, (int)ids.Size(0))
            .Select(r => new TrainingExample(idv.Skip(r * t).Take(t).Select(x => (int)x).ToArray(), lv.Skip(r * t).Take(t).Select(x => (int)x).ToArray()))
            .ToList();
    }

    /// <summary>Writes rows as pre-tokenised JSONL.</summary>
    public static void WriteJsonl(string path, IEnumerable<TrainingExample> rows) =>
        File.WriteAllLines(path, rows.Select(e => JsonSerializer.Serialize(new { input_ids = e.InputIds, labels = e.Labels })));

    /// <summary>
    /// Max |a − b| relative to max |b| over one tensor (the fixtures' "grads_rel" measure).
    /// </summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var scope = DisposeScope.Begin();
        var diff = actual.To(DType.Float64).Sub(expected.To(DType.Float64)).Abs().Max().ItemDouble();
        var scale = expected.To(DType.Float64).Abs().Max().ItemDouble();
        return diff / Math.Max(scale, 1e-12);
    }

    public static LoraAdapter LoadTrainableAdapter(LlamaModel model) => LoadTrainableAdapterAs(model, DType.Float32);

    public static LoraAdapter LoadTrainableAdapterAs(LlamaModel model, DType dtype)
    {
        var adapter = LoraAdapter.Load(Adapter, model.Config, dtype);
        foreach (var p in adapter.Parameters) p.RequiresGrad = true;
        return adapter;
    }

    /// <summary>Random pre-tokenised rows of varied length for the tiny model (vocab 320).</summary>
    public static List<TrainingExample> RandomRows(int count, int seed, int minLength = 6, int maxLength = 16, int maskedPrefix = 2)
    {
        var rng = new Random(seed);
        var rows = new List<TrainingExample>();
        for (var i = 0; i < count; i++)
        {
            var n = rng.Next(minLength, maxLength + 1);
            var ids = Enumerable.Range(0, n).Select(_ => rng.Next(1, 320)).ToArray();
            var labels = ids.Select((x, j) => j < maskedPrefix ? TrainingExample.IgnoreIndex : x).ToArray();
            rows.Add(new TrainingExample(ids, labels));
        }
        return rows;
    }
}
