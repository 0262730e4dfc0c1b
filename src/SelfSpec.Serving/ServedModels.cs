using System.Collections.Concurrent;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Llm.Serving;
using SelfSpec.Tokenizers;

namespace SelfSpec.Serving;

/// <summary>
/// The base model, its tokenizer (if the folder has one), the adapters served by name, and the
/// <see cref="ServingEngine"/> that runs them all in shared batches.
/// </summary>
public sealed class ServedModels : IDisposable
{
    private readonly ConcurrentDictionary<string, ServedAdapter> adapters = new(StringComparer.Ordinal);
    private readonly object adapterGate = new();

    private ServedModels(string baseName, string directory, LlamaModel model, Tokenizer? tokenizer, ServingOptions engineOptions)
    {
        BaseName = baseName;
        ModelDirectory = directory;
        Model = model;
        Tokenizer = tokenizer;
        GenerationTokenizer = tokenizer is null ? null : new HuggingFaceTokenizer(tokenizer);
        Engine = new ServingEngine(model, GenerationTokenizer, engineOptions);
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>The name of the base model.</summary>
    public string BaseName { get; }

    /// <summary>The model folder.</summary>
    public string ModelDirectory { get; }

    /// <summary>The base model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer; null for a folder without <c>tokenizer.json</c> (token-id prompts only).</summary>
    public Tokenizer? Tokenizer { get; }

    /// <summary>The tokenizer as generation sees it (stop strings).</summary>
    public HuggingFaceTokenizer? GenerationTokenizer { get; }

    /// <summary>The continuous-batching engine.</summary>
    public ServingEngine Engine { get; }

    /// <summary>The longest prompt + completion accepted.</summary>
    public int MaxModelLen => Engine.Options.MaxModelLen;

    /// <summary>When the server started (Unix seconds), reported as <c>created</c>.</summary>
    public long Created { get; }

    /// <summary>The adapters being served, by name.</summary>
    public IReadOnlyCollection<ServedAdapter> Adapters => adapters.Values.OrderBy(a => a.Name, StringComparer.Ordinal).ToArray();

    /// <summary>Loads the model folder and the start-up adapters and starts the engine.</summary>
    /// <exception cref="CheckpointFormatException">The model or an adapter is unusable (the message names the file).</exception>
    public static ServedModels Load(ServeOptions options)
    {
        var directory = Path.GetFullPath(options.ModelDirectory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"model folder not found: {directory}");
        var model = LlamaModel.Load(directory);
        ServedModels? served = null;
        try
        {
            var tokenizer = File.Exists(Path.Combine(directory, "tokenizer.json")) ? Tokenizer.FromDirectory(directory) : null;
            var maxLen = options.MaxModelLen ?? model.Config.MaxPositions;
            if (maxLen > model.Config.MaxPositions)
                throw new ArgumentException($"--max-model-len {maxLen} exceeds the model's max_position_embeddings {model.Config.MaxPositions}");
            served = new ServedModels(options.ServedModelName ?? options.ModelDirectory, directory, model, tokenizer,
                new ServingOptions { MaxNumSeqs = options.MaxNumSeqs, MaxWaiting = options.MaxWaiting, MaxModelLen = maxLen });
            foreach (var (name, path) in options.LoraModules) served.LoadAdapter(name, Path.GetFullPath(path));
            return served;
        }
        catch
        {
            if (served is not null) served.Dispose();
            else model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The adapter for <paramref name="model"/> with a lease the caller must <see cref="ServedAdapter.Release"/>, or
    /// null for the base model. 404 for a name that is neither.
    /// </summary>
    internal ServedAdapter? Resolve(string? model)
    {
        if (model is null || model == BaseName) return null;
        if (adapters.TryGetValue(model, out var a) && a.TryAcquire()) return a;
        throw new OpenAiError(404, $"The model `{model}` does not exist.", "model", "NotFoundError");
    }

    /// <summary>
    /// Loads an adapter folder under <paramref name="name"/> (400 for a bad name, path or adapter). The path may not
    /// hold <c>..</c> segments: a client names a folder, it does not walk the file system (start-up adapters are
    /// given full paths).
    /// </summary>
    public ServedAdapter LoadAdapter(string name, string path)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 256 || name.Any(char.IsControl))
            throw OpenAiError.BadParameter("lora_name", "'lora_name' must be a non-empty name without control characters (at most 256 characters)");
        if (name == BaseName) throw OpenAiError.BadParameter("lora_name", $"'{name}' is the base model's name");
        var full = CheckAdapterPath(path);
        lock (adapterGate)
        {
            if (adapters.ContainsKey(name))
                throw OpenAiError.BadParameter("lora_name", $"The lora adapter '{name}' has already been loaded.");
            LoraAdapter adapter;
            try
            {
                adapter = LoraAdapter.Load(full, Model.Config, Model.DType, Model.Device, name);
            }
            catch (Exception e) when (e is CheckpointFormatException or FileNotFoundException or FormatException or InvalidOperationException
                                          or ArgumentException or IOException or System.Text.Json.JsonException)
            {
                throw OpenAiError.BadParameter("lora_path", $"cannot load the adapter at '{path}': {e.Message}");
            }
            var served = new ServedAdapter(name, full, adapter);
            adapters[name] = served;
            return served;
        }
    }

    /// <summary>Stops serving an adapter (404 when there is none by that name); running requests finish with it.</summary>
    public void UnloadAdapter(string name)
    {
        lock (adapterGate)
        {
            if (!adapters.TryRemove(name, out var a))
                throw new OpenAiError(404, $"The lora adapter '{name}' cannot be found.", "lora_name", "NotFoundError");
            a.Unload();
        }
    }

    /// <summary>
    /// The full path of an adapter folder: an absolute path or one relative to the working directory, without <c>..</c>
    /// segments (no walking out of a folder), naming an existing folder with <c>adapter_config.json</c>.
    /// </summary>
    private static string CheckAdapterPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Any(char.IsControl))
            throw OpenAiError.BadParameter("lora_path", "'lora_path' must be a folder path");
        if (path.Split('/', '\\').Any(segment => segment == ".."))
            throw OpenAiError.BadParameter("lora_path", "'lora_path' must not contain '..' segments");
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw OpenAiError.BadParameter("lora_path", $"no adapter folder at '{path}'");
        if (!File.Exists(Path.Combine(full, "adapter_config.json")))
            throw OpenAiError.BadParameter("lora_path", $"'{path}' has no adapter_config.json (a PEFT adapter folder is expected)");
        return full;
    }

    /// <summary>
    /// The text of one token as logprobs report it: its decoded text, or <c>token_id:N</c> when asked for, without a
    /// tokenizer, and for ids of the model's embedding table beyond the tokenizer's vocabulary.
    /// </summary>
    public string TokenText(int id, bool asTokenId) =>
        asTokenId || Tokenizer is null || Tokenizer.IdToToken(id) is null ? $"token_id:{id}" : Tokenizer.Decode([id], skipSpecialTokens: false);

    /// <summary>The text of generated tokens (special tokens skipped); empty without a tokenizer.</summary>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = true) =>
        Tokenizer is null ? "" : Tokenizer.Decode(ids.Where(id => Tokenizer.IdToToken(id) != null), skipSpecialTokens);

    /// <inheritdoc />
    public void Dispose()
    {
        Engine.Dispose();
        foreach (var a in adapters.Values) a.Unload();
        adapters.Clear();
        Model.Dispose();
    }
}
