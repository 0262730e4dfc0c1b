using System.CommandLine;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Serving;
using SelfSpec.Torch;

namespace SelfSpec.Cli.Commands;

/// <summary>
/// <c>selfspec serve MODEL_DIR</c>: an OpenAI/vLLM-compatible server over the model with continuous and multi-LoRA
/// batching (SelfSpec.Serving), with vLLM's option names.
/// </summary>
public sealed class ServeCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var model = new Argument<string>("model") { Description = "Model folder (config.json + safetensors; tokenizer.json optional: without it, token-id prompts only)" };
        var servedName = new Option<string?>("--served-model-name") { Description = "The name clients use for the base model (default: the folder as given)" };
        var lora = new Option<string[]>("--lora-modules") { Description = "Adapters to serve, NAME=PATH (repeatable, or several after one flag)", AllowMultipleArgumentsPerToken = true };
        var host = new Option<string>("--host") { Description = "Address to listen on (off loopback an API key is required)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0: any free one)", DefaultValueFactory = _ => 8000 };
        var apiKey = new Option<string?>("--api-key") { Description = $"Key /v1 calls must carry as 'Authorization: Bearer KEY' (default: ${ServeOptions.ApiKeyVariable})" };
        var maxNumSeqs = new Option<int>("--max-num-seqs") { Description = "Most sequences decoding at once; more wait in the queue", DefaultValueFactory = _ => 64 };
        var maxWaiting = new Option<int>("--max-waiting") { Description = "Most requests waiting for a row (429 beyond)", DefaultValueFactory = _ => 256 };
        var maxModelLen = new Option<int?>("--max-model-len") { Description = "Longest prompt + completion (default: the model's max_position_embeddings)" };
        var maxLogprobs = new Option<int>("--max-logprobs") { Description = "Largest logprobs/top_logprobs a request may ask for (-1: the vocabulary)", DefaultValueFactory = _ => 20 };
        var command = new Command("serve", "Serve a model (and LoRA adapters) with an OpenAI/vLLM-compatible API: completions, chat, tokenize, adapters, metrics")
        {
            model, servedName, lora, host, port, apiKey, maxNumSeqs, maxWaiting, maxModelLen, maxLogprobs,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var options = new ServeOptions
                {
                    ModelDirectory = parse.GetValue(model)!,
                    ServedModelName = parse.GetValue(servedName),
                    LoraModules = ParseLoraModules(parse.GetValue(lora) ?? []),
                    Host = parse.GetValue(host)!,
                    Port = parse.GetValue(port),
                    ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ServeOptions.ApiKeyVariable),
                    MaxNumSeqs = parse.GetValue(maxNumSeqs),
                    MaxWaiting = parse.GetValue(maxWaiting),
                    MaxModelLen = parse.GetValue(maxModelLen),
                    MaxLogprobs = parse.GetValue(maxLogprobs),
                };
                BearerKeyPolicy.CheckBinding(options.Host, options.ApiKey);
                using var signals = new SignalCancellation(ct);
                using var models = ServedModels.Load(options);
                await using var app = OpenAiServer.Create(options, models);
                await app.StartAsync(signals.Token);
                foreach (var url in app.Urls)
                    Console.Out.WriteLine($"serving {models.BaseName} ({models.Adapters.Count} adapter(s), max-model-len {models.MaxModelLen}) on {url}{(string.IsNullOrEmpty(options.ApiKey) ? "" : " (API key required)")}; Ctrl-C to stop");
                Console.Out.Flush();
                try { await Task.Delay(Timeout.Infinite, signals.Token); }
                catch (OperationCanceledException) { }
                Console.Out.WriteLine("serve: stopping");
                await app.StopAsync(CancellationToken.None);
                return 0;
            }
            catch (Exception e) when (e is CheckpointFormatException or FormatException or ArgumentException or InvalidOperationException or IOException
                                          or TorchException or OpenAiError)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        yield return command;
    }

    /// <summary>NAME=PATH pairs (vLLM also accepts a JSON object per module; not supported here).</summary>
    internal static IReadOnlyDictionary<string, string> ParseLoraModules(IEnumerable<string> modules)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            var eq = m.IndexOf('=');
            if (eq <= 0 || eq == m.Length - 1) throw new FormatException($"--lora-modules expects NAME=PATH, got '{m}'");
            var name = m[..eq];
            if (!result.TryAdd(name, m[(eq + 1)..])) throw new FormatException($"--lora-modules names '{name}' twice");
        }
        return result;
    }
}
