using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// Executes <see cref="GenerationRequest"/>s against one base model: plain, RAG-token or contrastive decoding, with the
/// adapter each request names (loaded once and kept, unmerged, so requests can switch adapters freely).
/// </summary>
public sealed class RequestRunner : IDisposable
{
    private readonly Dictionary<string, LoraAdapter> adapters = new(StringComparer.Ordinal);
    private readonly string baseDirectory;

    /// <summary>Creates a runner; relative adapter paths resolve against <paramref name="baseDirectory"/> (default: current directory).</summary>
    public RequestRunner(LlamaModel model, ITokenizer? tokenizer = null, string? baseDirectory = null)
    {
        Model = model;
        Tokenizer = tokenizer;
        this.baseDirectory = baseDirectory ?? Environment.CurrentDirectory;
    }

    /// <summary>The base model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer for text prompts and documents, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>Registers an already loaded adapter under <paramref name="name"/> (the runner takes ownership).</summary>
    public void AddAdapter(string name, LoraAdapter adapter) => adapters[name] = adapter;

    /// <summary>The adapter a request names: a registered name, or a directory loaded on first use.</summary>
    public LoraAdapter? ResolveAdapter(string? nameOrPath)
    {
        if (nameOrPath == null) return null;
        if (adapters.TryGetValue(nameOrPath, out var known)) return known;
        var path = Path.GetFullPath(Path.Combine(baseDirectory, nameOrPath));
        if (adapters.TryGetValue(path, out known)) return known;
        var loaded = LoraAdapter.Load(path, Model.Config, Model.DType, Model.Device);
        adapters[path] = loaded;
        return loaded;
    }

    /// <summary>Runs one request.</summary>
    public GenerationResult Run(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var prompt = request.PromptIds ?? Encode(request.Prompt!, addBos: request.Docs.Count == 0);
        var adapter = ResolveAdapter(request.Adapter);
        var options = new GenerationOptions { MaxNewTokens = request.MaxNewTokens, Sampling = request.Sampling, StopStrings = request.Stop };
        if (request.Docs.Count > 0)
        {
            // Each document starts its own prompt (so it gets the BOS token); the query follows it directly.
            var docs = request.Docs.Select(d => new RetrievedDocument(d.Ids ?? Encode(d.Text!, addBos: true), d.Score)).ToArray();
            return new RagTokenDecoder(Model, Tokenizer).Generate(prompt, docs, options, request.DocTemperature, adapter, cancellationToken);
        }
        if (request.Contrastive is { } c)
        {
            if (adapter == null) throw new ArgumentException("contrastive decoding needs an adapter: the adapted model is the expert, the base model the amateur");
            var search = c.Search ?? (request.Sampling.Greedy ? ContrastiveSearch.Greedy : ContrastiveSearch.Sample);
            return new ContrastiveDecoder(Model, adapter, null, Tokenizer).Generate(prompt, options,
                new ContrastiveOptions { Alpha = c.Alpha, AmateurTemperature = c.AmateurTemperature, Search = search, BeamWidth = c.BeamWidth }, cancellationToken);
        }
        return new TextGenerator(Model, Tokenizer).Generate([prompt], options, adapter, null, cancellationToken)[0];
    }

    private IReadOnlyList<int> Encode(string text, bool addBos) =>
        (Tokenizer ?? throw new InvalidOperationException("text prompts and documents need a tokenizer; give token ids ('prompt_ids', docs 'ids') instead")).Encode(text, addBos);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var a in adapters.Values) a.Dispose();
        adapters.Clear();
    }
}
