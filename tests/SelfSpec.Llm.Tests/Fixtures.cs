using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>The PyTorch reference fixtures in shared/fixtures/llama.</summary>
internal static class Fixtures
{
    public static string Dir(params string[] parts) => Paths.Fixture(["llama", .. parts]);

    public static string Model => Dir("tiny-llama");
    public static string ModelBf16 => Dir("tiny-llama-bf16");
    public static string Adapter => Dir("tiny-lora");

    private static readonly Lazy<JsonElement> CasesLazy = new(() => JsonDocument.Parse(File.ReadAllText(Dir("cases.json"))).RootElement);

    public static JsonElement Cases => CasesLazy.Value;

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static double Tolerance(string name) => Cases.GetProperty("tolerances").GetProperty(name).GetDouble();

    /// <summary>A tensor of expected.safetensors, copied out of the map.</summary>
    public static Tensor Expected(string name)
    {
        using var f = SafetensorsFile.Open(Dir("expected.safetensors"));
        using var t = f.Load(name);
        return t.Clone();
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(b.Shape, a.Shape);
        using var d = a.To(DType.Float64).Sub(b.To(DType.Float64)).Abs().Max();
        return d.ItemDouble();
    }

    /// <summary>Token ids as a [1, n] int64 tensor.</summary>
    public static Tensor Row(IEnumerable<int> ids)
    {
        var a = ids.Select(i => (long)i).ToArray();
        return Tensor.From<long>(a, [1, a.Length]);
    }

    /// <summary>Copies a fixture folder so a test can corrupt it.</summary>
    public static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            var dest = Path.Combine(to, Path.GetFileName(f));
            File.Copy(f, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }
    }
}
