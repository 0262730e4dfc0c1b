using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// llama.cpp's tokenizer test vectors (written by HF transformers/Rust for the original models): a third,
/// independent reference next to the transformers.js cases.
/// </summary>
public sealed class LlamaCppVectorTests
{
    [Theory]
    [InlineData("gpt2", "gpt-2")]
    [InlineData("llama3", "llama-bpe")]
    [InlineData("llama2", "llama-spm")]
    public void Encodes_every_vector_like_hugging_face(string tokenizer, string vectors)
    {
        var dir = Paths.Fixture("tokenizers", "reference-vectors", "llamacpp");
        var inputs = File.ReadAllText(Path.Combine(dir, $"ggml-vocab-{vectors}.gguf.inp")).Split("\n__ggml_vocab_test__\n")[..^1];
        var outputs = File.ReadAllText(Path.Combine(dir, $"ggml-vocab-{vectors}.gguf.out")).Split('\n')[..^1];
        Assert.Equal(inputs.Length, outputs.Length);
        Assert.True(inputs.Length >= 40);
        var tok = Fixtures.Load(tokenizer);
        var failures = new List<string>();
        for (var i = 0; i < inputs.Length; i++)
        {
            var expected = outputs[i].Trim().Length == 0 ? [] : outputs[i].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            var actual = tok.Encode(inputs[i], addSpecialTokens: false);
            if (!expected.SequenceEqual(actual))
                failures.Add($"#{i} {System.Text.Json.JsonSerializer.Serialize(inputs[i])}: expected [{string.Join(",", expected)}] got [{string.Join(",", actual)}]");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
