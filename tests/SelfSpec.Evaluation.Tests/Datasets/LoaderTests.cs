using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Datasets;

// Counts were taken from the files with a separate Python script and match shared/data/README.md where it states them;
// the instances were checked by hand against the source files.
public class LoaderTests
{
    [Fact]
    public void BioAsq_sample_has_70_factoid_60_list_70_yesno()
    {
        var all = BioAsqLoader.Load(Paths.SharedData("bioasq", "bioasq8b_sample.json"));
        Assert.Equal(70, all.Count(i => i.Dataset == "BioASQ-Factoid"));
        Assert.Equal(60, all.Count(i => i.Dataset == "BioASQ-List"));
        Assert.Equal(70, all.Count(i => i.Dataset == "BioASQ-Yesno"));

        var factoid = all.Single(i => i.Id == "5a9e202bde7cb99d40000002");
        Assert.Equal("BioASQ-Factoid", factoid.Dataset);
        Assert.Equal(["proximity extension immunoassay", "PEA"], factoid.References);
        Assert.Equal("proximity extension immunoassay", factoid.Output);
        Assert.StartsWith("Context: We used proximity extension immunoassay (PEA, Proseek Multiplex, Olink)", factoid.Input);
        Assert.EndsWith("on 92 cancer biomarkers (Proseek \n Question: Which method is Proseek based on?", factoid.Input);

        var list = all.Single(i => i.Id == "5a7636d39e632bc066000004");
        Assert.Equal("signeR, SignatureEstimation, pmsignature, SomaticSignatures", list.Output);
        Assert.Equal([list.Output], list.References);
        Assert.Equal(4, ScoringConvention.Box.References(list.References).Count);

        var yesno = all.Single(i => i.Id == "5a723cd12dc08e987e00000b");
        Assert.Equal("yes", yesno.Output);
        Assert.EndsWith(" \n Question: Can CD55 deficiency cause thrombosis?", yesno.Input);
    }

    [Fact]
    public void PubMedQa_test_split_has_500_long_answers()
    {
        var split = PubMedQaLoader.LoadSplitPmids(Paths.SharedData("pubmedqa", "test_ground_truth.json"));
        var test = PubMedQaLoader.Load(Paths.SharedData("pubmedqa", "ori_pqal.json"), split);
        Assert.Equal(500, test.Count);
        var all = PubMedQaLoader.Load(Paths.SharedData("pubmedqa", "ori_pqal.json"));
        Assert.Equal(999, all.Count); // 1000 minus the BoX seed PMID 17606778
        Assert.DoesNotContain(all, i => i.Id == PubMedQaLoader.BoxSeedPmid);

        var first = test[0];
        Assert.Equal("21645374", first.Id);
        Assert.StartsWith("Context1: Programmed cell death (PCD) is the regulated death of cells within an organism.", first.Input);
        Assert.Contains(" \n Context2: ", first.Input);
        Assert.DoesNotContain("Context3:", first.Input);
        Assert.EndsWith(" \n Question: Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?", first.Input);
        Assert.StartsWith("Results depicted mitochondrial dynamics in vivo as PCD progresses within the lace plant", first.Output);
        Assert.EndsWith("as playing a critical and early role in developmentally regulated PCD in the lace plant.", first.Output);
    }

    [Theory]
    [InlineData("AnatEM-IOB", "AnatEM", 50, 70)]
    [InlineData("BioNLP13CG-IOB", "BioNLP13CG", 193, 683)]
    [InlineData("NCBI-disease-IOB", "NCBI", 112, 185)]
    public void Ner_samples_keep_sentences_with_entities(string folder, string dataset, int sentences, int entities)
    {
        var items = IobNerLoader.Load(Paths.SharedData("ner", folder, "test.sample.tsv"), dataset);
        Assert.Equal(sentences, items.Count);
        // In-BoXBART's gold.split(", ") also splits an entity spanning a " , " token; count the tags instead.
        Assert.Equal(entities, items.Sum(i => System.Text.RegularExpressions.Regex.Count(i.Output, "<[A-Za-z_-]+>")));
        Assert.All(items, i => Assert.Equal(dataset, i.Dataset));
        Assert.Equal(200, IobNerLoader.Load(Paths.SharedData("ner", folder, "test.sample.tsv"), dataset, includeSentencesWithoutEntities: true).Count);
    }

    [Fact]
    public void Ncbi_first_sentence_in_box_form()
    {
        var first = IobNerLoader.Load(Paths.SharedData("ner", "NCBI-disease-IOB", "test.sample.tsv"), "NCBI")[0];
        Assert.Equal("0", first.Id);
        Assert.Equal("Clustering of missense mutations in the ataxia - telangiectasia gene in a sporadic T - cell leukaemia .", first.Input);
        Assert.Equal("ataxia - telangiectasia <Disease>, sporadic T - cell leukaemia <Disease>", first.Output);
        Assert.Equal([first.Output], first.References);
        Assert.Equal(["ataxia - telangiectasia <Disease>", "sporadic T - cell leukaemia <Disease>"], ScoringConvention.Box.References(first.References));
    }

    [Fact]
    public void AnatEm_first_entity_sentence()
    {
        var first = IobNerLoader.Load(Paths.SharedData("ner", "AnatEM-IOB", "test.sample.tsv"), "AnatEM")[0];
        Assert.StartsWith("A DNA molecule is attached at one end to the bottom of the flow cell and at the other end", first.Input);
        Assert.Equal("cell <Anatomy>", first.Output);
    }

    [Fact]
    public void Ddi_sample_has_200_pairs_40_true()
    {
        var items = DdiLoader.LoadDirectory(Paths.SharedData("ddi", "Test-DDI"));
        Assert.Equal(200, items.Count);
        Assert.Equal(40, items.Count(i => i.Output == "true"));
        var p0 = items.Single(i => i.Id == "DDI-DrugBank.d610.s0.p0");
        Assert.Equal("Context: Pharmacokinetic properties of abacavir were not altered by the addition of either lamivudine or zidovudine " +
                     "or the combination of lamivudine and zidovudine. Drug_1: abacavir Drug_2: lamivudine", p0.Input);
        Assert.Equal("false", p0.Output);
    }

    [Fact]
    public void Hoc_sample_has_62_labelled_sentences_of_199()
    {
        var root = Paths.SharedData("hoc");
        Assert.Equal(62, HocLoader.Load(root).Count);
        var all = HocLoader.Load(root, includeUnlabelledSentences: true);
        Assert.Equal(199, all.Count);
        var s = all.Single(i => i.Id == "11724768:3");
        Assert.StartsWith("Exposure of these cells to ghrelin caused up-regulation of several insulin-induced activities", s.Input);
        // "Sustaining proliferative signaling--Receptors ANDSustaining ...--Growth factors growth promoting signals--Downstream signaling"
        Assert.Equal("Sustaining proliferative signaling", s.Output);
    }

    [Fact]
    public void Hoc_hallmarks_are_distinct_sorted_top_levels()
    {
        Assert.Equal(["Evading growth suppressors", "Sustaining proliferative signaling"],
            HocLoader.Hallmarks("Sustaining proliferative signaling--Cell cycle AND Evading growth suppressors--Cell cycle checkpoints"));
        Assert.Empty(HocLoader.Hallmarks(" "));
    }

    [Fact]
    public void Medical_drugs_csv_with_quoted_commas_quotes_and_newlines()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.FullPath, "train.csv");
        File.WriteAllText(path,
            "unique_hash,text,drug,sentiment\r\n" +
            "abc123,\"Ocrevus helped, \"\"a lot\"\"\nreally\",ocrevus,0\r\n" +
            "def456,Gilenya made me dizzy,gilenya,1\n" +
            "ghi789,\"Started Stelara today.\",stelara,2\n");
        var items = MedicalDrugsLoader.Load(path);
        Assert.Equal(3, items.Count);
        Assert.Equal("abc123", items[0].Id);
        Assert.Equal("Ocrevus helped, \"a lot\"\nreally \n Drug: ocrevus \n Option1: Neutral Option2: Positive Option3: Negative", items[0].Input);
        Assert.Equal(["Positive", "Negative", "Neutral"], items.Select(i => i.Output));
        Assert.All(items, i => Assert.Equal("Medical Drugs", i.Dataset));
    }

    [Fact]
    public void Medical_drugs_bad_label_names_file_and_row()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.FullPath, "bad.csv");
        File.WriteAllText(path, "unique_hash,text,drug,sentiment\nx,t,d,7\n");
        var e = Assert.Throws<DatasetFormatException>(() => MedicalDrugsLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal("row 2", e.Record);
    }

    [Fact]
    public void Benchmark_directory_loads_the_nine_sampled_datasets()
    {
        var sets = BenchmarkDirectory.Load(Paths.SharedData());
        Assert.Equal(["BioASQ-Factoid", "BioASQ-List", "BioASQ-Yesno", "PubMedQA", "AnatEM", "BioNLP13CG", "NCBI", "DDI", "HoC"], sets.Keys);
        Assert.Equal(500, sets["PubMedQA"].Count);
        Assert.Equal(3, BenchmarkDirectory.Load(Paths.SharedData(), limitPerDataset: 3)["DDI"].Count);
    }

    [Fact]
    public void Sources_config_names_each_file_and_resolves_relative_paths()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("drugs.csv"), "unique_hash,text,drug,sentiment\nh1,Works well,aspirin,0\n");
        File.WriteAllText(dir.Combine("sources.json"), $$"""
            { "limitPerDataset": 5,
              "sources": [
                { "format": "bioasq", "path": "{{Paths.SharedData("bioasq", "bioasq8b_sample.json")}}" },
                { "format": "iob", "dataset": "ncbi", "path": "{{Paths.SharedData("ner", "NCBI-disease-IOB", "test.sample.tsv")}}" },
                { "format": "pubmedqa", "path": "{{Paths.SharedData("pubmedqa", "ori_pqal.json")}}", "split": "{{Paths.SharedData("pubmedqa", "test_ground_truth.json")}}" },
                { "format": "medical-drugs", "path": "drugs.csv" } ] }
            """);
        var sets = BenchmarkSources.Load(dir.Combine("sources.json"));
        Assert.Equal(["BioASQ-Factoid", "BioASQ-List", "BioASQ-Yesno", "PubMedQA", "NCBI", "Medical Drugs"], sets.Keys);
        Assert.All(sets.Where(s => s.Key != "Medical Drugs"), s => Assert.Equal(5, s.Value.Count));
        Assert.Equal("Positive", sets["Medical Drugs"].Single().Output);

        File.WriteAllText(dir.Combine("bad.json"), """{ "sources": [ { "format": "tsv", "path": "x" } ] }""");
        var e = Assert.Throws<DatasetFormatException>(() => BenchmarkSources.Load(dir.Combine("bad.json")));
        Assert.Equal("sources[0]", e.Record);
    }
}
