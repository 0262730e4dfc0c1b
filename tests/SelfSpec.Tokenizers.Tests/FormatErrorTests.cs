using System.Text.Json.Nodes;
using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>Unusable files fail with a message that names the file and the component.</summary>
public sealed class FormatErrorTests : IDisposable
{
    private readonly TempDir _dir = new("selfspec-tokfmt-");

    public void Dispose() => _dir.Dispose();

    private string WriteVariant(Action<JsonNode> change, string name)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Directory("llama2"), "tokenizer.json")))!;
        change(json);
        var dir = _dir.Combine(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        return dir;
    }

    [Fact]
    public void An_unsupported_component_type_is_named_with_the_file()
    {
        var dir = WriteVariant(j => j["decoder"]!["decoders"]![1]!["type"] = "CTC", "ctc");
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(dir));
        Assert.Contains("\"CTC\"", e.Message);
        Assert.Contains(Path.Combine(dir, "tokenizer.json"), e.Message);
        Assert.Equal("decoder.decoders[1]", e.Component);
    }

    [Fact]
    public void An_unsupported_model_is_named()
    {
        var dir = WriteVariant(j => j["model"]!["type"] = "Unigram", "unigram");
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(dir));
        Assert.Contains("Unigram", e.Message);
    }

    [Fact]
    public void A_merge_that_is_not_two_tokens_is_rejected()
    {
        var dir = WriteVariant(j => j["model"]!["merges"]![5] = "a b c", "merge");
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(dir));
        Assert.Contains("merge 5", e.Message);
    }

    [Fact]
    public void Malformed_json_and_missing_files_are_format_errors()
    {
        var dir = _dir.Combine("broken");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(dir));
        Assert.Contains("not valid JSON", e.Message);
        Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(_dir.Combine("missing")));
    }
}
