using SelfSpec.Tokenizers.Training;

namespace SelfSpec.TestSupport;

/// <summary>
/// The tiny fixture Llama (<c>../shared/fixtures/llama/tiny-llama</c>) made usable with text: its files copied into a
/// folder beside a byte-level BPE <c>tokenizer.json</c> trained on the project's demo seeds, within the model's
/// 320-token vocabulary (<c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> as BOS/EOS).
/// </summary>
/// <remarks>
/// A source file linked into the test projects that need it (see their .csproj), not part of SelfSpec.TestSupport, so
/// that the support library stays free of the engines.
/// </remarks>
internal static class TinyLlamaModel
{
    /// <summary>The fixture model folder (read-only).</summary>
    public static string FixtureDirectory => Paths.Fixture("llama", "tiny-llama");

    /// <summary>The fixture PEFT adapter for it (read-only).</summary>
    public static string FixtureAdapter => Paths.Fixture("llama", "tiny-lora");

    /// <summary>Writes the model with a tokenizer into <paramref name="directory"/> (created) and returns it.</summary>
    /// <param name="directory">The target folder.</param>
    /// <param name="corpus">Lines the tokenizer is trained on; default the demo seeds (<c>data/seeds/biomedical_seeds.jsonl</c>).</param>
    public static string Create(string directory, IEnumerable<string>? corpus = null)
    {
        Directory.CreateDirectory(directory);
        foreach (var f in Directory.GetFiles(FixtureDirectory)) File.Copy(f, Path.Combine(directory, Path.GetFileName(f)), overwrite: true);
        corpus ??= File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"));
        BpeTrainer.Train(corpus, 300, ["<s>", "</s>"], directory);
        return directory;
    }
}
