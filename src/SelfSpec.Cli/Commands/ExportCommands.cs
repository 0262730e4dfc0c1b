using System.CommandLine;
using System.Globalization;
using SelfSpec.Gguf.Export;
using SelfSpec.Gguf.Format;

namespace SelfSpec.Cli.Commands;

/// <summary>
/// <c>selfspec export gguf MODEL_DIR OUT.gguf [--type f32|f16|bf16|q8_0] [--adapter PATH [--merge]]</c>: a model, a LoRA
/// adapter or a merged model as GGUF for llama.cpp / Ollama / LM Studio; and <c>selfspec export gguf-info FILE</c>.
/// </summary>
public sealed class ExportCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var export = new Command("export", "Export models to other runtimes' formats");
        export.Subcommands.Add(CreateGguf());
        export.Subcommands.Add(CreateInfo());
        yield return export;
    }

    private static Command CreateGguf()
    {
        var model = new Argument<DirectoryInfo>("MODEL_DIR") { Description = "Hugging Face model folder (config.json, safetensors, tokenizer.json)" };
        var output = new Argument<FileInfo>("OUT") { Description = "GGUF file to write (replaced only when the export succeeds)" };
        var type = new Option<string>("--type") { Description = "Weight type: f32, f16, bf16 or q8_0", DefaultValueFactory = _ => "f32" };
        var adapter = new Option<DirectoryInfo?>("--adapter") { Description = "PEFT LoRA folder: written as a GGUF LoRA adapter (load it with llama-cli --lora)" };
        var merge = new Option<bool>("--merge") { Description = "With --adapter: merge it into the weights (W + s·B·A) and write one model" };
        var name = new Option<string?>("--name") { Description = "general.name (default: the model folder's name)" };
        var cmd = new Command("gguf", "Write a model (or a LoRA adapter, or both merged) as GGUF for llama.cpp, Ollama and LM Studio");
        cmd.Arguments.Add(model);
        cmd.Arguments.Add(output);
        foreach (var o in new Option[] { type, adapter, merge, name }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => Task.FromResult(Run(() =>
        {
            if (r.GetValue(merge) && r.GetValue(adapter) == null) throw new ArgumentException("--merge needs --adapter");
            var options = new GgufExportOptions
            {
                Type = GgufOutputTypes.Parse(r.GetValue(type)!),
                AdapterDirectory = r.GetValue(adapter)?.FullName,
                Merge = r.GetValue(merge),
                Name = r.GetValue(name),
            };
            using var signals = new SignalCancellation(ct);
            var result = GgufExporter.Export(r.GetValue(model)!.FullName, r.GetValue(output)!.FullName, options, Console.Error.WriteLine, signals.Token);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {result.Path} ({result.Bytes / 1048576.0:F1} MiB, {result.TensorCount} tensors, {options.Type.ToString().ToLowerInvariant()})"));
            return 0;
        })));
        return cmd;
    }

    private static Command CreateInfo()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "GGUF file" };
        var tensors = new Option<bool>("--tensors") { Description = "Also list every tensor (name, type, ggml dimensions)" };
        var cmd = new Command("gguf-info", "Print a GGUF file's metadata (and tensors)");
        cmd.Arguments.Add(file);
        cmd.Options.Add(tensors);
        cmd.SetAction(r => Run(() =>
        {
            var gguf = GgufFile.Open(r.GetValue(file)!.FullName);
            Console.Out.WriteLine($"GGUF v{gguf.Version}, {gguf.Tensors.Count} tensors, {gguf.Metadata.Count} metadata keys");
            foreach (var (key, value) in gguf.Metadata) Console.Out.WriteLine($"{key} = {value}");
            if (r.GetValue(tensors))
                foreach (var t in gguf.Tensors) Console.Out.WriteLine($"{t.Name}\t{t.Type}\t{t.ShapeText}");
            return 0;
        }));
        return cmd;
    }

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is GgufExportException or IOException or ArgumentException or UnauthorizedAccessException or InvalidDataException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled; no output file was written");
            return 130;
        }
    }
}
