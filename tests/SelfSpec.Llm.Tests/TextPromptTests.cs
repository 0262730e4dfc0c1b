using System.Text.Json;
using SelfSpec.Llm.Generation;
using SelfSpec.TestSupport;
using SelfSpec.Tokenizers.Training;

namespace SelfSpec.Llm.Tests;

/// <summary>Text prompts go through the model directory's own tokenizer.json (SelfSpec.Tokenizers).</summary>
public sealed class TextPromptTests
{
    private static readonly string[] Corpus =
    [
        "Imatinib inhibits the BCR-ABL tyrosine kinase in chronic myeloid leukemia.",
        "Aspirin irreversibly inhibits cyclooxygenase and reduces platelet aggregation.",
        "BRCA1 and BRCA2 mutations increase the risk of breast and ovarian cancer.",
    ];

    /// <summary>A copy of the tiny fixture model with a byte-level BPE tokenizer (vocab within the model's 320) trained beside it.</summary>
    private static TempDir ModelWithTokenizer()
    {
        var dir = new TempDir("selfspec-llm-text-");
        foreach (var f in Directory.GetFiles(Fixtures.Model)) File.Copy(f, Path.Combine(dir.FullPath, Path.GetFileName(f)));
        BpeTrainer.Train(Enumerable.Repeat(Corpus, 20).SelectMany(c => c), 300, ["<s>", "</s>"], dir.FullPath);
        return dir;
    }

    [Fact]
    public void TryLoadFindsTheTokenizerOnlyWhereThereIsOne()
    {
        Assert.Null(HuggingFaceTokenizer.TryLoad(Fixtures.Model));
        using var dir = ModelWithTokenizer();
        var tokenizer = HuggingFaceTokenizer.TryLoad(dir.FullPath)!;
        var text = "BRCA1 inhibits kinase";
        Assert.Equal(tokenizer.Inner.Encode(text), tokenizer.Encode(text));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text).ToArray()));
        Assert.All(tokenizer.Encode(text), id => Assert.InRange(id, 0, 319));
        // ids past the tokenizer's vocabulary (the model's table is larger) are skipped, not fatal
        Assert.Null(tokenizer.Inner.IdToToken(319));
        Assert.Equal(tokenizer.Decode(tokenizer.Encode(text).ToArray()), tokenizer.Decode([.. tokenizer.Encode(text), 319]));
    }

    [Fact]
    public void CliTextPromptGeneratesWhatTheSameIdsGenerate()
    {
        using var dir = ModelWithTokenizer();
        var text = "Aspirin inhibits";
        var ids = HuggingFaceTokenizer.TryLoad(dir.FullPath)!.Encode(text);

        var byText = SelfSpecCli.Run("generate", "--model", dir.FullPath, "--prompt", text, "--max-new-tokens", "6", "--greedy", "--json");
        Assert.True(byText.ExitCode == 0, byText.ToString());
        var byIds = SelfSpecCli.Run("generate", "--model", dir.FullPath, "--prompt-ids", string.Join(",", ids), "--max-new-tokens", "6", "--greedy", "--json");
        Assert.True(byIds.ExitCode == 0, byIds.ToString());

        var a = JsonDocument.Parse(byText.StdOut).RootElement;
        var b = JsonDocument.Parse(byIds.StdOut).RootElement;
        Assert.Equal(b.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()), a.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(6, a.GetProperty("ids").GetArrayLength());
        Assert.Equal(b.GetProperty("text").GetString(), a.GetProperty("text").GetString());
    }
}
