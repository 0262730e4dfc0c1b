using System.Security.Cryptography;
using SelfSpec.Endpoints;
using SelfSpec.Llm.Models;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// A base model served by OpenAI-compatible endpoints, checked and ready: the pool of endpoints, the served model name
/// (from the spec, or the only model the servers serve), end-of-sequence ids from the <c>weights=</c> folder when one is
/// given, adapters registered by name, and tokenization on the server (<c>/tokenize</c>).
/// </summary>
public sealed class RemoteModel : IDisposable
{
    private RemoteModel(EndpointPool pool, string modelName, IReadOnlyCollection<int> eos)
    {
        Pool = pool;
        ModelName = modelName;
        EosTokenIds = eos;
    }

    /// <summary>The endpoints.</summary>
    public EndpointPool Pool { get; }

    /// <summary>The base model's served name.</summary>
    public string ModelName { get; }

    /// <summary>End-of-sequence ids known from the local weights' config.json (empty without <c>weights=</c>: the servers reveal them).</summary>
    public IReadOnlyCollection<int> EosTokenIds { get; }

    /// <summary>
    /// Parses <paramref name="model"/> (input <paramref name="field"/>), asks the endpoints which models they serve
    /// (with the pool's retries: an endpoint down at start fails after them, named) and resolves the model name.
    /// </summary>
    public static async Task<RemoteModel> ConnectAsync(string model, string field, CancellationToken ct, EndpointPoolOptions? options = null)
    {
        var spec = ModelSource.ParseRemote(model, field);
        var pool = new EndpointPool(spec, options);
        try
        {
            IReadOnlyList<string> served;
            try { served = await pool.SendAsync((e, t) => e.ListModelsAsync(t), ct).ConfigureAwait(false); }
            catch (Exception e) when (e is EndpointsExhaustedException or EndpointRequestException)
            {
                throw new PipelineException($"cannot reach the model's endpoints: {e.Message}", field: field, inner: e);
            }
            string name;
            if (spec.Model is { } given)
            {
                if (!served.Contains(given, StringComparer.Ordinal))
                    throw new PipelineException($"the endpoints do not serve a model named '{given}'; they serve {string.Join(", ", served.Select(s => $"'{s}'"))}", field: field);
                name = given;
            }
            else if (served.Count == 1) name = served[0];
            else
                throw new PipelineException($"the endpoints serve {served.Count} models ({string.Join(", ", served.Select(s => $"'{s}'"))}); " +
                                            $"name one after '#': {spec with { Model = served.FirstOrDefault() ?? "MODEL" }}", field: field);
            IReadOnlyCollection<int> eos = [];
            if (spec.Weights is { } weights && File.Exists(Path.Combine(weights, "config.json")))
                eos = LlamaConfig.Load(weights).EosTokenIds.ToArray();
            var remote = new RemoteModel(pool, name, eos);
            pool = null!;
            return remote;
        }
        finally
        {
            pool?.Dispose();
        }
    }

    /// <summary>The token ids of <paramref name="text"/> with the tokenizer's special tokens (BOS), as the in-process engine encodes a prompt.</summary>
    public Task<int[]> TokenizeAsync(string text, CancellationToken ct) =>
        Pool.SendAsync((e, t) => e.TokenizeAsync(ModelName, text, addSpecialTokens: true, t), ct);

    /// <summary>
    /// Registers the PEFT adapter in <paramref name="adapterFolder"/> on every endpoint (<c>POST /v1/load_lora_adapter</c>;
    /// the servers must see the same path) under a name derived from its content, and returns that name. A server that
    /// already serves the name is fine.
    /// </summary>
    public async Task<string> RegisterAdapterAsync(string adapterFolder, string field, CancellationToken ct)
    {
        var folder = Path.GetFullPath(adapterFolder);
        var weights = Path.Combine(folder, "adapter_model.safetensors");
        if (!File.Exists(weights)) throw new PipelineException("not an adapter folder (no adapter_model.safetensors)", folder, field: field);
        string digest;
        await using (var stream = File.OpenRead(weights))
            digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false))[..12];
        var name = $"selfspec-{digest}";
        try
        {
            var missing = await Pool.BroadcastAsync(async (endpoint, t) =>
            {
                if ((await endpoint.ListModelsAsync(t).ConfigureAwait(false)).Contains(name, StringComparer.Ordinal)) return;
                try { await endpoint.LoadLoraAdapterAsync(name, folder, t).ConfigureAwait(false); }
                catch (EndpointRequestException e) when (e.ServerMessage.Contains("already", StringComparison.OrdinalIgnoreCase)) { }
            }, ct).ConfigureAwait(false);
            if (missing.Count > 0) Unregistered = missing.Select(m => m.Endpoint).ToList();
        }
        catch (Exception e) when (e is EndpointsExhaustedException or EndpointRequestException)
        {
            throw new PipelineException($"cannot register the adapter on the endpoints: {e.Message}", folder, field: field, inner: e);
        }
        return name;
    }

    /// <summary>Endpoints that were down when the adapter was registered (they get no adapter requests while down; one that comes back answers 404 for it).</summary>
    public IReadOnlyList<Uri> Unregistered { get; private set; } = [];

    /// <inheritdoc />
    public void Dispose() => Pool.Dispose();
}
