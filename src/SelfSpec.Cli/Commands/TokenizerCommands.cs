using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SelfSpec.Tokenizers;
using SelfSpec.Tokenizers.Training;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary>
/// <c>selfspec tokenize</c> (encode text with a Hugging Face tokenizer.json) and
/// <c>selfspec tokenizer train</c> (learn a byte-level BPE tokenizer from text files).
/// </summary>
public sealed class TokenizerCommands : ICommandGroup
{
    // Token strings such as "Ġworld" or "▁Hello" stay readable; the output is still valid JSON.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        yield return CreateTokenize();
        var tokenizer = new Command("tokenizer", "Tokenizer tools");
        tokenizer.Subcommands.Add(CreateTrain());
        yield return tokenizer;
    }

    private static Command CreateTokenize()
    {
        var dir = new Option<DirectoryInfo>("--tokenizer") { Description = "Folder with tokenizer.json (and tokenizer_config.json)", Required = true };
        var text = new Option<string?>("--text") { Description = "Text to encode" };
        var file = new Option<FileInfo?>("--file") { Description = "File to encode (UTF-8); '-' reads standard input" };
        var withSpecial = new Option<bool>("--with-special") { Description = "Add the special tokens of the post-processor (for example BOS)" };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\":[...],\"tokens\":[...]} on one line" };
        var cmd = new Command("tokenize", "Encode text with a Hugging Face tokenizer.json and print ids and tokens");
        foreach (var o in new Option[] { dir, text, file, withSpecial, json }) cmd.Options.Add(o);
        cmd.SetAction(r => Run(() =>
        {
            var input = (r.GetValue(text), r.GetValue(file)) switch
            {
                ({ } t, null) => t,
                (null, { } f) => f.Name == "-" && !f.Exists ? Console.In.ReadToEnd() : File.ReadAllText(f.FullName, Encoding.UTF8),
                _ => throw new ArgumentException("give exactly one of --text or --file"),
            };
            var tokenizer = Tokenizer.FromDirectory(r.GetValue(dir)!.FullName);
            var encoding = tokenizer.EncodeDetailed(input, r.GetValue(withSpecial));
            if (r.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new { ids = encoding.Ids, tokens = encoding.Tokens }, Readable));
                return 0;
            }
            var width = encoding.Ids.Count == 0 ? 1 : encoding.Ids.Max().ToString(CultureInfo.InvariantCulture).Length;
            var output = new StringBuilder();
            for (var i = 0; i < encoding.Count; i++)
                output.Append(encoding.Ids[i].ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append('\t')
                    .AppendLine(JsonSerializer.Serialize(encoding.Tokens[i], Readable));
            Console.Out.Write(output.ToString());
            Console.Error.WriteLine($"{encoding.Count} tokens");
            return 0;
        }));
        return cmd;
    }

    private static Command CreateTrain()
    {
        var input = new Option<FileInfo[]>("--input") { Description = "Text files to learn from (UTF-8)", Required = true, AllowMultipleArgumentsPerToken = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Vocabulary size: special tokens + 256 bytes + merges", Required = true };
        var special = new Option<string[]>("--special-tokens")
        {
            Description = "Special tokens, given ids 0, 1, … (default: <|endoftext|>)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["<|endoftext|>"],
        };
        var bos = new Option<string?>("--bos") { Description = "BOS token (default: the first special token)" };
        var eos = new Option<string?>("--eos") { Description = "EOS token (default: the first special token)" };
        var pad = new Option<string?>("--pad") { Description = "Pad token (default: none)" };
        var addBos = new Option<bool>("--add-bos") { Description = "Add BOS in front of every encoded text" };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Merge only pairs seen this often", DefaultValueFactory = _ => 2 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder for tokenizer.json and tokenizer_config.json", Required = true };
        var cmd = new Command("train", "Train a byte-level BPE tokenizer and write it in Hugging Face format");
        foreach (var o in new Option[] { input, vocabSize, special, bos, eos, pad, addBos, minFrequency, output }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => Task.FromResult(Run(() =>
        {
            var specials = r.GetValue(special)!.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
            var options = new BpeTrainerOptions
            {
                VocabSize = r.GetValue(vocabSize),
                SpecialTokens = specials,
                BosToken = r.GetValue(bos) ?? specials.FirstOrDefault(),
                EosToken = r.GetValue(eos) ?? specials.FirstOrDefault(),
                PadToken = r.GetValue(pad),
                AddBosToken = r.GetValue(addBos),
                MinFrequency = r.GetValue(minFrequency),
                MaxDegreeOfParallelism = CliRuntime.Threads,
            };
            var texts = r.GetValue(input)!.SelectMany(f => ReadChunks(f.FullName)).ToList();
            var outDir = r.GetValue(output)!.FullName;
            Tokenizer? trained = null;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var count = ctx.AddTask("count words", maxValue: texts.Count);
                    var merge = ctx.AddTask("learn merges", maxValue: Math.Max(1, options.VocabSize));
                    var progress = new SynchronousProgress(p =>
                    {
                        var task = p.Stage == "count" ? count : merge;
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                    });
                    trained = BpeTrainer.Train(texts, options, outDir, progress, ct);
                    count.Value = count.MaxValue;
                    merge.Value = merge.MaxValue;
                });
            AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(Path.Combine(outDir, "tokenizer.json"))} ({trained!.VocabSize} tokens)");
            return 0;
        })));
        return cmd;
    }

    /// <summary>Reads a text file as chunks of whole lines (newlines kept), about 64 KB each, so counting can run in parallel.</summary>
    private static IEnumerable<string> ReadChunks(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var sb = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            sb.Append(line).Append('\n');
            if (sb.Length < 65536) continue;
            yield return sb.ToString();
            sb.Clear();
        }
        if (sb.Length > 0) yield return sb.ToString();
    }

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is TokenizerFormatException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled; nothing was written[/]");
            return 130;
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
    private sealed class SynchronousProgress(Action<BpeTrainingProgress> report) : IProgress<BpeTrainingProgress>
    {
        private readonly Lock _gate = new();

        public void Report(BpeTrainingProgress value)
        {
            lock (_gate) report(value);
        }
    }
}
