using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Responses;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Torch;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Execution;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;


namespace SelfSpec.Pipeline.Tests;

/// <summary>
/// GenerateResponses through the workflow runtime on the tiny fixture Llama, against the LLM engine called directly on
/// the prompts <see cref="ResponseGenerationPrompt"/> builds: RAG-token for top-k, plain generation for top-1 and none.
/// </summary>
public sealed class GenerateResponsesTests(TinyModel tiny) : IClassFixture<TinyModel>
{
    private const int MaxNewTokens = 8;

    private static readonly InstructionRow[] Instructions =
    [
        new("inst-000001", 0, "Which fusion protein does imatinib inhibit?", "", 0.2, null),
        new("inst-000002", 0, "Identify the disease in the sentence.", "Mutations in the CFTR gene cause cystic fibrosis.", 0.1, null),
        new("inst-000003", 1, "Name the vitamin deficient in scurvy.", "", 0.1, null),
    ];

    // BM25 scores as in the engine's rag_token fixture case; instruction 3 retrieved nothing.
    private static readonly RetrievalRow[] Retrievals =
    [
        new("inst-000001", 1, "101", 7.5, 0.8, "Imatinib in CML", "Imatinib blocks the BCR-ABL fusion protein."),
        new("inst-000001", 2, "102", 6.0, 0.18, "Kinase inhibitors", "Tyrosine kinase inhibitors treat leukemia."),
        new("inst-000001", 3, "103", 3.25, 0.02, "Only a title", null),
        new("inst-000002", 1, "201", 4.0, 1.0, "CFTR", "Cystic fibrosis is caused by CFTR mutations."),
    ];

    private static void AssertFinished(WorkflowRunResult result) =>
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

    private Task<WorkflowRunResult> Run(PipelineHost host, bool withRetrievals, params (string Name, InputValue Value)[] inputs) =>
        Run(host, Instructions, withRetrievals ? Retrievals : null, inputs);

    private async Task<WorkflowRunResult> Run(PipelineHost host, InstructionRow[] instructionRows, RetrievalRow[]? retrievalRows,
        params (string Name, InputValue Value)[] inputs)
    {
        var withRetrievals = retrievalRows != null;
        var instructions = host.Dir.Combine("instructions.parquet");
        ParquetSerializer.Write(instructions, instructionRows);
        var retrievals = host.Dir.Combine("retrievals.parquet");
        ParquetSerializer.Write(retrievals, retrievalRows ?? Retrievals);
        (string, InputValue)[] all =
        [
            ("model", Lit(tiny.ModelPath, "String")), ("instructions", ArtifactInput(instructions)), ("maxNewTokens", Lit(MaxNewTokens)),
            ("docTemperature", Lit(2.0)), .. withRetrievals ? [("retrievals", ArtifactInput(retrievals))] : Array.Empty<(string, InputValue)>(), .. inputs,
        ];
        return await host.RunChainAsync(("respond", "SelfSpec.GenerateResponses", all,
            ["sft", "rowCount", "meanTokenLogProb", "emptyCount", "fallbackCount"]));
    }

    private static GenerationOptions Options() => new() { MaxNewTokens = MaxNewTokens, StopStrings = GenerateResponses.StopSequences };

    /// <summary>The expected rows by the engine directly: RAG-token over the given documents (none: the prompt without a document).</summary>
    private List<(string Id, string Output, double Mean, string[] Docs)> Expected(Func<InstructionRow, RetrievalRow[]> docsOf, bool withAdapter = false,
        ContrastiveOptions? contrastive = null)
    {
        using var llama = LlamaModel.Load(tiny.ModelPath);
        using var adapterOnModel = !withAdapter ? null : LoraAdapter.Load(TinyModel.AdapterPath, llama.Config, llama.DType);
        var tokenizer = HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
        var prompt = new ResponseGenerationPrompt();
        var rows = new List<(string, string, double, string[])>();
        foreach (var instruction in Instructions)
        {
            var docs = docsOf(instruction);
            var documents = docs.Length == 0
                ? [new RetrievedDocument(tokenizer.Encode(prompt.Build(instruction.Instruction, instruction.Input)), 0)]
                : docs.Select(d => new RetrievedDocument(tokenizer.Encode(prompt.Build(instruction.Instruction, instruction.Input, d.Text ?? d.Title)), d.Score)).ToArray();
            var r = contrastive is null
                ? new RagTokenDecoder(llama, tokenizer).Generate([], documents, Options(), 2.0, adapterOnModel)
                : new ContrastiveRagTokenDecoder(llama, adapterOnModel, null, tokenizer).Generate([], documents, Options(), contrastive, 2.0);
            var text = StopSequences.Cut(tokenizer.Decode(r.TokenIds), GenerateResponses.StopSequences).Text.Trim();
            if (text.Length > 0) rows.Add((instruction.Id, text, r.LogProbs!.Average(), docs.Select(d => d.Pmid).ToArray()));
        }
        return rows;
    }

    private static List<SftRow> Sft(WorkflowRunResult result) => ParquetSerializer.Read<SftRow>(ArtifactPath(result, "respond", "sft"));

    private static void AssertRows(List<(string Id, string Output, double Mean, string[] Docs)> expected, List<SftRow> actual)
    {
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.InstructionId));
        Assert.Equal(expected.Select(e => e.Output), actual.Select(a => a.Output));
        Assert.Equal(expected.Select(e => string.Join(",", e.Docs)), actual.Select(a => string.Join(",", a.DocIds)));
        // the activity decodes its instructions as one padded batch; the engine was called per instruction
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Mean, actual[i].MeanTokenLogProb, 1e-4);
    }

    private static RetrievalRow[] DocsOf(InstructionRow i) => Retrievals.Where(r => r.InstructionId == i.Id).OrderBy(r => r.Rank).ToArray();

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task TopKIsRagTokenDecodingOverThePromptsWithFallbackForInstructionsWithoutDocuments()
    {
        using var host = new PipelineHost();
        var result = await Run(host, true);
        AssertFinished(result);
        var expected = Expected(DocsOf);
        var actual = Sft(result);
        AssertRows(expected, actual);
        var outputs = Outputs(result, "respond");
        Assert.Equal(1, outputs["fallbackCount"]!.GetValue<int>());
        Assert.Equal(actual.Count, outputs["rowCount"]!.GetValue<int>());
        Assert.Equal(3 - actual.Count, outputs["emptyCount"]!.GetValue<int>());
        Assert.Equal(actual.Average(r => r.MeanTokenLogProb), outputs["meanTokenLogProb"]!.GetValue<double>(), 1e-9);
        Assert.True(actual.Count >= 2, "the tiny model answered too few instructions for the comparison to mean much");

        // the artifact opens in DuckDB with the documented columns
        var doc = DuckDb.Inspect(ArtifactPath(result, "respond", "sft"));
        Assert.Equal(["instruction_id", "instruction", "input", "output", "doc_ids", "mean_token_log_prob"], DuckDb.ColumnNames(doc));
        Assert.Equal("SelfSpec.GenerateResponses", DuckDb.KeyValues(doc)[ArtifactMetadata.ActivityKey]);
        Assert.Equal(["101", "102", "103"], DuckDb.Rows(doc).Single(r => r["instruction_id"]!.ToString() == "inst-000001")["doc_ids"]!.AsArray().Select(x => x!.ToString()));
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task Top1AndNoneArePlainGenerationOnOneOrNoDocument()
    {
        using var llama = LlamaModel.Load(tiny.ModelPath);
        var tokenizer = HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
        var prompt = new ResponseGenerationPrompt();
        var generator = new TextGenerator(llama, tokenizer);

        foreach (var mode in new[] { "top1", "none" })
        {
            using var host = new PipelineHost();
            var result = await Run(host, mode == "top1", ("mode", Lit(mode, "String")), ("batchSize", Lit(2)));
            AssertFinished(result);
            var actual = Sft(result);
            Assert.Equal(mode == "top1" ? 1 : 0, Outputs(result, "respond")["fallbackCount"]!.GetValue<int>());
            var expectedIds = new List<string>();
            foreach (var instruction in Instructions)
            {
                var doc = mode == "top1" ? DocsOf(instruction).FirstOrDefault() : null;
                var text = prompt.Build(instruction.Instruction, instruction.Input, doc is null ? null : doc.Text ?? doc.Title);
                var ids = tokenizer.Encode(text);
                // the plain engine, greedy, one prompt
                var plain = generator.Generate([ids], Options())[0];
                var output = (plain.Text ?? "").Trim();
                if (output.Length == 0) continue;
                expectedIds.Add(instruction.Id);
                var row = actual.Single(r => r.InstructionId == instruction.Id);
                Assert.Equal(output, row.Output);
                Assert.Equal(doc is null ? [] : [doc.Pmid], row.DocIds);
                // the mean log-prob of the generated tokens, teacher-forced through one forward pass
                Assert.Equal(TeacherForcedMeanLogProb(llama, ids, plain.TokenIds), row.MeanTokenLogProb, 1e-4);
            }
            Assert.Equal(expectedIds, actual.Select(r => r.InstructionId));
        }
    }

    private static double TeacherForcedMeanLogProb(LlamaModel llama, IReadOnlyList<int> prompt, IReadOnlyList<int> generated)
    {
        using var noGrad = new NoGrad();
        var all = prompt.Concat(generated).Select(i => (long)i).ToArray();
        using var ids = Tensor.From<long>(all, [1, all.Length]);
        using var logits = llama.Forward(ids);
        using var logProbs = logits.LogSoftmax(-1);
        var values = logProbs.ToArray<float>();
        var vocab = llama.Config.VocabSize;
        return generated.Select((token, j) => (double)values[(prompt.Count - 1 + j) * vocab + token]).Average();
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task ContrastiveResponsesContrastTheAdapterMarginalWithTheBaseMarginal()
    {
        using var host = new PipelineHost();
        var result = await Run(host, true, ("adapter", Lit(TinyModel.AdapterPath, "String")), ("contrastiveAlpha", Lit(0.1)));
        AssertFinished(result);
        AssertRows(Expected(DocsOf, withAdapter: true, contrastive: new ContrastiveOptions { Alpha = 0.1 }), Sft(result));
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task SamplingIsTheBatchedEngineWithTheSeedOfTheBatch()
    {
        using var host = new PipelineHost();
        var result = await Run(host, true, ("greedy", Lit(false)), ("temperature", Lit(0.9)), ("topP", Lit(0.95)), ("randomSeed", Lit(3)));
        AssertFinished(result);
        using var llama = LlamaModel.Load(tiny.ModelPath);
        var tokenizer = HuggingFaceTokenizer.TryLoad(tiny.ModelPath)!;
        var prompt = new ResponseGenerationPrompt();
        var queries = Instructions.Select(i => DocsOf(i) is { Length: > 0 } docs
            ? new RagTokenQuery([], docs.Select(d => new RetrievedDocument(tokenizer.Encode(prompt.Build(i.Instruction, i.Input, d.Text ?? d.Title)), d.Score)).ToArray())
            : new RagTokenQuery([], [new RetrievedDocument(tokenizer.Encode(prompt.Build(i.Instruction, i.Input)), 0)])).ToArray();
        // one batch of three instructions (batchSize 8), sampled with randomSeed + 0
        var direct = new RagTokenDecoder(llama, tokenizer).Generate(queries,
            Options() with { Sampling = SamplingOptions.Sample(0.9, 0.95, seed: 3) }, 2.0);
        var expected = Instructions.Select((i, q) => (i.Id, Output: StopSequences.Cut(tokenizer.Decode(direct[q].TokenIds), GenerateResponses.StopSequences).Text.Trim(),
            Mean: direct[q].LogProbs!.Average(), Docs: DocsOf(i).Select(d => d.Pmid).ToArray())).Where(e => e.Output.Length > 0).ToList();
        AssertRows(expected, Sft(result));
        var greedy = Expected(DocsOf);
        Assert.NotEqual(greedy.Select(g => g.Output), expected.Select(e => e.Output));
    }

    // Eight instructions of different lengths: with three, two, one or no documents, so every batch is padded differently.
    private static readonly InstructionRow[] EightInstructions =
    [
        .. Instructions,
        new("inst-000004", 1, "List two symptoms of anaemia.", "", 0.1, null),
        new("inst-000005", 2, "Classify the drug in the text.", "Metformin lowers hepatic glucose production in type 2 diabetes.", 0.3, null),
        new("inst-000006", 2, "What does BRCA1 repair?", "", 0.2, null),
        new("inst-000007", 3, "Summarise the finding in one sentence.", "Statins reduced cardiovascular events in patients with high LDL cholesterol over five years.", 0.1, null),
        new("inst-000008", 3, "Which organ produces insulin?", "", 0.1, null),
    ];

    private static readonly RetrievalRow[] EightRetrievals =
    [
        .. Retrievals,
        new("inst-000005", 1, "501", 5.5, 0.7, "Metformin", "Metformin is a biguanide that reduces gluconeogenesis in the liver."),
        new("inst-000005", 2, "502", 2.0, 0.3, "Diabetes drugs", null),
        new("inst-000006", 1, "601", 8.0, 1.0, "BRCA1", "BRCA1 takes part in homologous recombination repair of double-strand breaks."),
        new("inst-000007", 1, "701", 3.0, 0.5, "Statins", "Statins inhibit HMG-CoA reductase."),
        new("inst-000007", 2, "702", 2.9, 0.3, "LDL", "Lowering LDL cholesterol reduces cardiovascular risk."),
        new("inst-000007", 3, "703", 1.0, 0.2, "Trials", "Large trials ran for five years."),
    ];

    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheResponsesAreTheSameRowsWhateverTheBatchSize(bool contrastive)
    {
        var runs = new List<List<SftRow>>();
        foreach (var batchSize in new[] { 1, 3, 8 })
        {
            using var host = new PipelineHost();
            (string, InputValue)[] inputs = contrastive
                ? [("batchSize", Lit(batchSize)), ("adapter", Lit(TinyModel.AdapterPath, "String")), ("contrastiveAlpha", Lit(0.1))]
                : [("batchSize", Lit(batchSize))];
            var result = await Run(host, EightInstructions, EightRetrievals, inputs);
            AssertFinished(result);
            runs.Add(Sft(result));
        }
        Assert.True(runs[0].Count >= 4, $"only {runs[0].Count} responses were kept");
        static string Row(SftRow r) =>
            $"{r.InstructionId} | {r.Instruction} | {r.Input} | {r.Output} | {string.Join(",", r.DocIds)} | {BitConverter.DoubleToInt64Bits(r.MeanTokenLogProb):x16}";
        // bit for bit: the mean log-probability too, not within a tolerance
        Assert.Equal(runs[0].Select(Row), runs[1].Select(Row));
        Assert.Equal(runs[0].Select(Row), runs[2].Select(Row));
    }

    [Fact]
    public async Task BadInputFaultsNamingTheField()
    {
        using var host = new PipelineHost();
        var noRetrievals = await Run(host, false);
        Assert.Equal(WorkflowStatus.Faulted, noRetrievals.Status);
        Assert.Contains("field 'retrievals'", noRetrievals.Records.Single().Error);

        using var host2 = new PipelineHost();
        var badMode = await Run(host2, true, ("mode", Lit("top3", "String")));
        Assert.Contains("field 'mode'", badMode.Records.Single().Error);

        using var host3 = new PipelineHost();
        var wrong = host3.Dir.Combine("wrong.parquet");
        ParquetSerializer.Write(wrong, Instructions);
        var badColumns = await Run(host3, false, ("retrievals", ArtifactInput(wrong)));
        Assert.Equal(WorkflowStatus.Faulted, badColumns.Status);
        var error = badColumns.Records.Single().Error!;
        Assert.Contains("wrong.parquet", error);
        Assert.Contains("field 'instruction_id'", error);
    }
}
