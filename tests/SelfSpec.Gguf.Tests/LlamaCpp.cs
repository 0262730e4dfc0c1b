using System.Collections.Concurrent;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace SelfSpec.Gguf.Tests;

/// <summary>
/// llama.cpp itself, embedded by LLamaSharp (CPU backend): loads the GGUF files we export, computes their logits,
/// applies GGUF LoRA adapters, tokenizes and detokenizes. llama.cpp's log is kept so a failed load says why.
/// </summary>
internal static class LlamaCpp
{
    private static readonly ConcurrentQueue<string> Log = new();
    private static readonly Lazy<bool> Configured = new(() =>
    {
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            Log.Enqueue($"{level}: {message.TrimEnd()}");
            while (Log.Count > 200) Log.TryDequeue(out _);
        });
        return true;
    });

    /// <summary>The last lines llama.cpp logged (for failure messages).</summary>
    public static string RecentLog => string.Join("\n", Log.TakeLast(40));

    /// <summary>
    /// Parameters for exact f32 comparisons: CPU only, f32 KV cache (llama.cpp's default is f16), no flash attention,
    /// one batch for the whole sequence.
    /// </summary>
    public static ModelParams Parameters(string path, int threads = 2, uint context = 512) => new(path)
    {
        ContextSize = context,
        GpuLayerCount = 0,
        Threads = threads,
        BatchThreads = threads,
        BatchSize = context,
        UBatchSize = context,
        TypeK = GGMLType.GGML_TYPE_F32,
        TypeV = GGMLType.GGML_TYPE_F32,
        FlashAttention = false,
    };

    /// <summary>Loads a GGUF model (throws with llama.cpp's log when it refuses the file).</summary>
    public static LLamaWeights Load(string path, int threads = 2)
    {
        _ = Configured.Value;
        try
        {
            return LLamaWeights.LoadFromFile(Parameters(path, threads));
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"llama.cpp could not load {path}: {e.Message}\n{RecentLog}", e);
        }
    }

    /// <summary>
    /// llama.cpp's logits at every position of <paramref name="tokens"/> (one decode call), with optional GGUF LoRA
    /// adapters applied at scale 1.
    /// </summary>
    public static float[][] Logits(LLamaWeights weights, string path, IReadOnlyList<int> tokens, string? loraPath = null)
    {
        using var context = weights.CreateContext(Parameters(path));
        if (loraPath != null)
        {
            LoraAdapter adapter;
            try
            {
                adapter = weights.NativeHandle.LoadLoraFromFile(loraPath);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"llama.cpp could not load the LoRA adapter {loraPath}: {e.Message}\n{RecentLog}", e);
            }
            context.NativeHandle.SetLoraAdapters(new[] { (adapter, 1f) });
        }
        var batch = new LLamaBatch();
        for (var i = 0; i < tokens.Count; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
        var result = context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {result}\n{RecentLog}");
        return Enumerable.Range(0, tokens.Count).Select(i => context.NativeHandle.GetLogitsIth(i).ToArray()).ToArray();
    }

    /// <summary>llama.cpp's tokenization: special tokens added as the vocabulary says (BOS) and parsed in the text.</summary>
    public static int[] Tokenize(LLamaWeights weights, string text) =>
        weights.Tokenize(text, true, true, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>
    /// llama.cpp's detokenization as <c>llama_detokenize</c> does it: token pieces concatenated, special tokens left
    /// out, the leading space of the first piece stripped when the vocabulary prepends one.
    /// </summary>
    public static string Detokenize(LLamaWeights weights, IReadOnlyList<int> tokens, bool stripLeadingSpace)
    {
        var bytes = new List<byte>();
        var buffer = new byte[256];
        for (var i = 0; i < tokens.Count; i++)
        {
            var n = NativeApi.llama_token_to_piece(weights.Vocab, tokens[i], buffer, i == 0 && stripLeadingSpace ? 1 : 0, false);
            if (n < 0) throw new InvalidOperationException($"token {tokens[i]}'s piece is longer than {buffer.Length} bytes");
            bytes.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
