using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Datasets;

/// <summary>
/// The BoX-form JSONL loader on the project's demo evaluation set (data/eval/demo_eval.jsonl) and on malformed files.
/// The expected instances were copied by hand from the file (lines 1, 11, 26, 44, 72, 96 and the NCBI rows).
/// </summary>
public class BoxJsonlLoaderTests
{
    private static string DemoEval => Path.Combine(Paths.RepoRoot, "data", "eval", "demo_eval.jsonl");

    [Fact]
    public void Demo_eval_set_has_ten_instances_of_each_of_the_ten_datasets()
    {
        var all = BoxJsonlLoader.Load(DemoEval);
        Assert.Equal(100, all.Count);
        var grouped = BenchmarkSources.Load(DemoEval);
        // every dataset of Table 1, in Table 1 order, under the catalog's spelling
        Assert.Equal(BenchmarkCatalog.All.Select(d => d.Name), grouped.Keys);
        Assert.All(grouped.Values, v => Assert.Equal(10, v.Count));
        Assert.Equal(3, BenchmarkSources.Load(DemoEval, limitPerDataset: 3)["NCBI"].Count);
    }

    [Fact]
    public void Instances_match_the_file_checked_by_hand()
    {
        var all = BoxJsonlLoader.Load(DemoEval).ToDictionary(i => i.Id);

        var factoid = all["bioasq-factoid-01"];
        Assert.Equal("BioASQ-Factoid", factoid.Dataset);
        Assert.Equal("HER2", factoid.Output);
        Assert.Equal(["HER2", "ERBB2", "HER2/neu"], factoid.References); // synonyms stay whole
        Assert.Equal("Context: Trastuzumab is a humanised monoclonal antibody that binds the extracellular domain of HER2. It is used in breast and gastric cancers that overexpress this receptor. \n Question: Which receptor is targeted by trastuzumab?", factoid.Input);
        Assert.Equal("In this task, you are given a context and a factoid question about biomedicine. Find the answer in the context and return it as a short span.", factoid.Instruction);

        var list = all["bioasq-list-01"];
        Assert.Equal("BioASQ-List", list.Dataset);
        Assert.Equal("evolocumab, alirocumab, inclisiran", list.Output);
        Assert.Equal(["evolocumab, alirocumab, inclisiran"], list.References); // gold strings stay whole: the scoring convention splits
        Assert.Equal(["evolocumab", "alirocumab", "inclisiran"], ScoringConvention.Box.References(list.References));

        var yesno = all["bioasq-yesno-06"];
        Assert.Equal("BioASQ-Yesno", yesno.Dataset);
        Assert.Equal(["no"], yesno.References);
        Assert.EndsWith(" \n Question: Is penicillin effective against MRSA?", yesno.Input);

        var anatem = all["anatem-04"];
        Assert.Equal("AnatEM", anatem.Dataset);
        Assert.Equal("Neurons <Anatomy>, hippocampus <Anatomy>, cerebellum <Anatomy>", anatem.Output);
        Assert.Equal(["Neurons <Anatomy>, hippocampus <Anatomy>, cerebellum <Anatomy>"], anatem.References);

        var ddi = all["ddi-09"];
        Assert.Equal("DDI", ddi.Dataset);
        Assert.Equal("false", ddi.Output);
        Assert.Equal("Context: Amiodarone increases the serum concentrations of digoxin and the anticoagulant effect of warfarin. Drug_1: digoxin Drug_2: warfarin", ddi.Input);

        var drugs = all["medical-drugs-06"];
        Assert.Equal("Medical Drugs", drugs.Dataset); // "Medical-Drugs" in the file
        Assert.Equal(["Positive"], drugs.References);
        Assert.EndsWith(" \n Drug: semaglutide \n Option1: Neutral Option2: Positive Option3: Negative", drugs.Input);

        // "NCBI-disease" in the file is the catalog's NCBI
        Assert.Equal(10, all.Values.Count(i => i.Dataset == "NCBI"));
        Assert.Single(all.Values.Select(i => i.Dataset == "HoC" ? i.Instruction : null).Where(s => s != null).Distinct());
    }

    [Theory]
    [InlineData("not json", 2, null, "not valid JSON")]
    [InlineData("[1, 2]", 2, null, "expected a JSON object")]
    [InlineData("""{"task_family":"qa","id":"x","instruction":"i","input":"","references":["a"]}""", 2, "dataset", "missing")]
    [InlineData("""{"dataset":"MedNLI","task_family":"qa","id":"x","instruction":"i","input":"","references":["a"]}""", 2, "dataset", "unknown dataset 'MedNLI'")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":7,"instruction":"i","input":"","references":["a"]}""", 2, "id", "expected a string, found a number")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"x","instruction":"  ","input":"","references":["a"]}""", 2, "instruction", "is empty")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"x","instruction":"i","references":["a"]}""", 2, "input", "missing")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"x","instruction":"i","input":"","references":"true"}""", 2, "references", "expected an array of strings")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"x","instruction":"i","input":"","references":[]}""", 2, "references", "is empty")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"x","instruction":"i","input":"","references":["true", 1]}""", 2, "references", "element 1 is a number")]
    [InlineData("""{"dataset":"DDI","task_family":"relation","id":"ddi-01","instruction":"i","input":"","references":["a"]}""", 2, "id", "duplicate id 'ddi-01'")]
    public void Malformed_rows_name_file_line_and_field(string badLine, int line, string? field, string message)
    {
        using var dir = new TempDir();
        var path = dir.Combine("eval.jsonl");
        const string good = """{"dataset":"DDI","task_family":"relation","id":"ddi-01","instruction":"Answer true or false.","input":"Context: a. Drug_1: x Drug_2: y","references":["true"]}""";
        File.WriteAllLines(path, [good, badLine, good.Replace("ddi-01", "ddi-03")]);
        var e = Assert.Throws<DatasetFormatException>(() => BoxJsonlLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"{path} (line {line}", e.Message);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_an_empty_file_is_an_error()
    {
        using var dir = new TempDir();
        var path = dir.Combine("eval.jsonl");
        File.WriteAllLines(path, ["", """{"dataset":"hoc","task_family":"classification","id":"h1","instruction":"Classify.","input":"s","references":["Inducing angiogenesis, Resisting cell death"]}""", "  "]);
        var one = Assert.Single(BoxJsonlLoader.Load(path));
        Assert.Equal("HoC", one.Dataset);
        Assert.Equal(["Inducing angiogenesis, Resisting cell death"], one.References);

        File.WriteAllText(path, "\n\n");
        Assert.Contains("holds no instances", Assert.Throws<DatasetFormatException>(() => BoxJsonlLoader.Load(path)).Message);
    }
}
