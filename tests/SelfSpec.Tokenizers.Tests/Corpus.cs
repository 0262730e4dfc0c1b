using System.Text.Json;
using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>Real biomedical text for training tests: PubMedQA abstracts from the shared data.</summary>
public static class Corpus
{
    private static readonly Lazy<IReadOnlyList<string>> Abstracts = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Paths.SharedData("pubmedqa", "ori_pqal.json")));
        return doc.RootElement.EnumerateObject()
            .Select(p => string.Join("\n", p.Value.GetProperty("CONTEXTS").EnumerateArray().Select(c => c.GetString()))
                         + "\n" + p.Value.GetProperty("LONG_ANSWER").GetString())
            .ToList();
    });

    public static IReadOnlyList<string> PubMedQa(int count) => Abstracts.Value.Take(count).ToList();

    public static IReadOnlyList<string> PubMedQaHeldOut(int skip, int count) => Abstracts.Value.Skip(skip).Take(count).ToList();
}
