using System.CommandLine;
using System.Text.Json;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec generate</c>: run a Llama-family model on token ids or text, plain, RAG-token or contrastive.</summary>
public sealed class GenerateCommands : ICommandGroup
{
    /// <summary>
    /// Makes the tokenizer for a model directory, or null when it has no <c>tokenizer.json</c> (then only
    /// <c>--prompt-ids</c> and <c>prompt_ids</c>/<c>ids</c> work).
    /// </summary>
    public static Func<string, ITokenizer?> TokenizerFactory { get; set; } = HuggingFaceTokenizer.TryLoad;

    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Model directory (config.json + safetensors)", Required = true };
        var adapter = new Option<DirectoryInfo?>("--adapter") { Description = "PEFT LoRA adapter directory, applied unmerged" };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (needs the model's tokenizer)" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids, e.g. 1,2,3" };
        var request = new Option<FileInfo?>("--request") { Description = "JSON file with one request or an array of requests" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 128 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding (the default unless --temperature/--top-p/--top-k are given)" };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling mass" };
        var topK = new Option<int?>("--top-k") { Description = "Keep the k most likely tokens" };
        var repetition = new Option<double>("--repetition-penalty") { Description = "Penalty for repeated tokens (1 = off)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<ulong?>("--seed") { Description = "Sampling seed (same seed, same output)" };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"text\": \"...\"} per request (generated tokens only)" };

        var command = new Command("generate", "Generate with a Llama/Mistral/Qwen2 model: --prompt/--prompt-ids, or --request FILE.json (RAG-token docs, contrastive)")
        {
            model, adapter, prompt, promptIds, request, maxNew, greedy, temperature, topP, topK, repetition, seed, dtype, json,
        };
        command.SetAction((parse, ct) =>
        {
            try
            {
                var requests = BuildRequests(parse, adapter, prompt, promptIds, request, maxNew, greedy, temperature, topP, topK, repetition, seed);
                var loadOptions = new LlamaLoadOptions { DType = DTypeExtensions.Parse(parse.GetValue(dtype)!) };
                var modelDir = parse.GetValue(model)!.FullName;
                using var llm = LlamaModel.Load(modelDir, loadOptions);
                using var runner = new RequestRunner(llm, TokenizerFactory(modelDir), parse.GetValue(request)?.DirectoryName);
                var asJson = parse.GetValue(json);
                foreach (var r in requests)
                {
                    ct.ThrowIfCancellationRequested();
                    var result = runner.Run(r, ct);
                    if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(new { ids = result.TokenIds, text = result.Text }));
                    else
                    {
                        AnsiConsole.MarkupLine($"[grey]ids ({result.FinishReason}):[/] {string.Join(",", result.TokenIds)}");
                        if (result.Text != null) AnsiConsole.WriteLine(result.Text);
                    }
                }
                return Task.FromResult(0);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[yellow]cancelled[/]");
                return Task.FromResult(130);
            }
            catch (Exception e) when (e is CheckpointFormatException or FormatException or ArgumentException or InvalidOperationException or IOException or TorchException)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return Task.FromResult(1);
            }
        });
        yield return command;
    }

    private static IReadOnlyList<GenerationRequest> BuildRequests(ParseResult parse, Option<DirectoryInfo?> adapter, Option<string?> prompt, Option<string?> promptIds,
        Option<FileInfo?> request, Option<int> maxNew, Option<bool> greedy, Option<double?> temperature, Option<double?> topP, Option<int?> topK,
        Option<double> repetition, Option<ulong?> seed)
    {
        var file = parse.GetValue(request);
        var text = parse.GetValue(prompt);
        var ids = parse.GetValue(promptIds);
        var given = (file != null ? 1 : 0) + (text != null ? 1 : 0) + (ids != null ? 1 : 0);
        if (given != 1) throw new ArgumentException("give exactly one of --prompt, --prompt-ids and --request");
        if (file != null)
        {
            if (!file.Exists) throw new FileNotFoundException($"request file not found: {file.FullName}");
            return GenerationRequest.ParseMany(File.ReadAllText(file.FullName));
        }
        var t = parse.GetValue(temperature);
        var p = parse.GetValue(topP);
        var k = parse.GetValue(topK);
        var sampling = new SamplingOptions
        {
            Greedy = parse.GetValue(greedy) || (t == null && p == null && k == null),
            Temperature = t ?? 1.0,
            TopP = p ?? 1.0,
            TopK = k ?? 0,
            RepetitionPenalty = parse.GetValue(repetition),
            Seed = parse.GetValue(seed),
        };
        sampling.Validate();
        IReadOnlyList<int>? parsedIds = null;
        if (ids != null)
        {
            try
            {
                parsedIds = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                throw new FormatException($"--prompt-ids must be comma-separated integers, got '{ids}'");
            }
            if (parsedIds.Count == 0) throw new FormatException("--prompt-ids is empty");
        }
        return
        [
            new GenerationRequest
            {
                Prompt = text,
                PromptIds = parsedIds,
                MaxNewTokens = parse.GetValue(maxNew),
                Sampling = sampling,
                Adapter = parse.GetValue(adapter)?.FullName,
            },
        ];
    }
}
