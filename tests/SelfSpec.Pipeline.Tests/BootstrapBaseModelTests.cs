using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Torch;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The BootstrapBaseModel activity in a real workflow run, with tiny settings.</summary>
public sealed class BootstrapBaseModelTests
{
    private static string DemoSeeds => Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");
    private static string DemoCorpus => Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl");

    private static (string, InputValue)[] TinyInputs(params (string, InputValue)[] extra) =>
    [
        ("seeds", Var("seeds")),
        ("corpusPath", Lit(DemoCorpus, "String")),
        ("vocabSize", Lit(600, "Int32")),
        ("hiddenSize", Lit(32, "Int32")),
        ("layers", Lit(1, "Int32")),
        ("heads", Lit(2, "Int32")),
        ("trainingSteps", Lit(4, "Int32")),
        ("batchSize", Lit(2, "Int32")),
        ("sequenceLength", Lit(64, "Int32")),
        ("threads", Lit(1, "Int32")),
        .. extra,
    ];

    private static readonly string[] Outputs = ["modelPath", "isDemonstrationModel", "parameterCount", "trainingLog", "finalLoss"];

    [Fact]
    public async Task BootstrapsALoadableHuggingFaceFolderAndALogDuckDbReadsAndIsCachedOnTheSecondRun()
    {
        using var host = new PipelineHost();
        var chain = new[]
        {
            ("ingest", "SelfSpec.IngestSeeds", new[] { ("seedsPath", Lit(DemoSeeds, "String")) }, new[] { "seeds" }),
            ("bootstrap", "SelfSpec.BootstrapBaseModel", TinyInputs(), Outputs),
        };
        var result = await host.RunChainAsync(chain);
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        var outputs = PipelineHost.Outputs(result, "bootstrap");
        var modelPath = outputs["modelPath"]!.ToString();
        Assert.Equal(Path.Combine(host.Dir.FullPath, "runs", result.InstanceId, "bootstrap", "model"), modelPath);
        Assert.True(outputs["isDemonstrationModel"]!.GetValue<bool>());
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
            Assert.True(File.Exists(Path.Combine(modelPath, file)), file);

        using (var model = LlamaModel.Load(modelPath))
        {
            var tokenizer = HuggingFaceTokenizer.TryLoad(modelPath)!;
            Assert.Equal(outputs["parameterCount"]!.GetValue<long>(), model.ParameterCount);
            Assert.Equal("llama", model.Config.ModelType);
            Assert.Equal(32, model.Config.HiddenSize);
            Assert.True(model.Config.TieWordEmbeddings);
            Assert.Equal(tokenizer.Inner.VocabSize, model.Config.VocabSize);
            Assert.Equal([tokenizer.EosTokenId!.Value], model.Config.EosTokenIds);
            Assert.Equal("</s>", tokenizer.Inner.IdToToken(tokenizer.EosTokenId!.Value));
            Assert.Equal(tokenizer.Inner.BosTokenId, tokenizer.Encode("BRCA1")[0]);
            // The saved model generates (the tokenizer and the model agree on ids).
            var generated = new TextGenerator(model, tokenizer).Generate("### Instruction:", new GenerationOptions { MaxNewTokens = 4 });
            Assert.NotNull(generated.Text);
        }

        var log = DuckDb.Inspect(ArtifactPath(result, "bootstrap", "trainingLog"));
        Assert.Equal(["step", "loss", "learning_rate", "grad_norm", "tokens"], DuckDb.ColumnNames(log));
        var rows = DuckDb.Rows(log);
        Assert.Equal([1L, 2, 3, 4], rows.Select(r => Long(r["step"])));
        Assert.All(rows, r => Assert.Equal(2 * 64, Long(r["tokens"])));
        Assert.Equal(outputs["finalLoss"]!.GetValue<double>(), Double(rows[^1]["loss"]), 9);
        Assert.InRange(Double(rows[0]["loss"]), Math.Log(600) - 1, Math.Log(600) + 1); // a fresh model is near uniform
        var kv = DuckDb.KeyValues(log);
        Assert.Equal("SelfSpec.BootstrapBaseModel", kv[ArtifactMetadata.ActivityKey]);
        var parameters = JsonNode.Parse(kv[ArtifactMetadata.ParametersKey]!)!;
        Assert.Equal(4, parameters["training_steps"]!.GetValue<int>());
        Assert.Equal(32, parameters["hidden_size"]!.GetValue<int>());
        Assert.Equal("demo_abstracts.jsonl", parameters["corpus_file"]!.GetValue<string>());

        var again = await host.RunChainAsync(chain);
        Assert.True(again.Status == WorkflowStatus.Finished, again.Error);
        Assert.NotNull(again.Records.Single(r => r.ActivityId == "bootstrap").ReusedFromId);
        Assert.Equal(modelPath, PipelineHost.Outputs(again, "bootstrap")["modelPath"]!.ToString());
    }

    [Fact]
    public async Task AGivenModelFolderIsUsedAsItIs()
    {
        using var host = new PipelineHost();
        var fixture = Paths.Fixture("llama", "tiny-llama");
        var result = await host.RunChainAsync(("bootstrap", "SelfSpec.BootstrapBaseModel", [("baseModel", Lit(fixture, "String"))], Outputs));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        var outputs = PipelineHost.Outputs(result, "bootstrap");
        Assert.Equal(Path.GetFullPath(fixture), outputs["modelPath"]!.ToString());
        Assert.False(outputs["isDemonstrationModel"]!.GetValue<bool>());
        using var model = LlamaModel.Load(fixture);
        Assert.Equal(model.ParameterCount, outputs["parameterCount"]!.GetValue<long>());
        Assert.Null(outputs["trainingLog"]);
        Assert.Null(outputs["finalLoss"]);
    }

    private static long Long(JsonNode? n) => long.Parse(n!.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    private static double Double(JsonNode? n) => double.Parse(n!.ToString(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ABaseModelThatIsNotAModelFolderIsAClearError()
    {
        using var host = new PipelineHost();
        var missing = host.Dir.Combine("no-such-model");
        var result = await host.RunChainAsync(("bootstrap", "SelfSpec.BootstrapBaseModel", [("baseModel", Lit(missing, "String"))], Outputs));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        var error = result.Records.Single().Error ?? result.Error ?? "";
        Assert.Contains("baseModel", error);
        Assert.Contains("is not a folder", error);

        var empty = Directory.CreateDirectory(host.Dir.Combine("empty-folder")).FullName;
        result = await host.RunChainAsync(("bootstrap", "SelfSpec.BootstrapBaseModel", [("baseModel", Lit(empty, "String"))], Outputs));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        error = result.Records.Single().Error ?? result.Error ?? "";
        Assert.Contains("has no config.json", error);
    }
}
