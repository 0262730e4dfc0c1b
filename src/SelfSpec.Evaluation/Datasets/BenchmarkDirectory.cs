namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// Loads whichever of the ten datasets are present in a folder laid out like the project's data samples:
/// <c>bioasq/*.json</c>, <c>pubmedqa/ori_pqal.json</c> (+ optional <c>test_ground_truth.json</c> split),
/// <c>ner/AnatEM-IOB/*.tsv</c>, <c>ner/BioNLP13CG-IOB/*.tsv</c>, <c>ner/NCBI-disease-IOB/*.tsv</c>,
/// <c>ddi/**/*.xml</c>, <c>hoc/{text,labels}/</c>, <c>medical_drugs/*.csv</c>.
/// </summary>
public static class BenchmarkDirectory
{
    /// <summary>Instances per dataset name (Table 1 order), each list cut to <paramref name="limitPerDataset"/> if given.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> Load(string root, int? limitPerDataset = null)
    {
        if (!Directory.Exists(root)) throw new DatasetFormatException(root, null, "dataset folder not found");
        var all = new List<EvalInstance>();
        var bioasq = Path.Combine(root, "bioasq");
        if (Directory.Exists(bioasq))
            foreach (var f in Directory.EnumerateFiles(bioasq, "*.json").Order(StringComparer.Ordinal)) all.AddRange(BioAsqLoader.Load(f));
        var pqal = Path.Combine(root, "pubmedqa", "ori_pqal.json");
        if (File.Exists(pqal))
        {
            var split = Path.Combine(root, "pubmedqa", "test_ground_truth.json");
            all.AddRange(PubMedQaLoader.Load(pqal, File.Exists(split) ? PubMedQaLoader.LoadSplitPmids(split) : null));
        }
        foreach (var (folder, dataset) in new[] { ("AnatEM-IOB", BenchmarkCatalog.AnatEm), ("BioNLP13CG-IOB", BenchmarkCatalog.BioNlp13Cg), ("NCBI-disease-IOB", BenchmarkCatalog.Ncbi) })
        {
            var dir = Path.Combine(root, "ner", folder);
            if (!Directory.Exists(dir)) continue;
            // Prefer the test split; the samples hold test.sample.tsv.
            var file = Directory.EnumerateFiles(dir, "*.tsv").Order(StringComparer.Ordinal).FirstOrDefault(f => Path.GetFileName(f).StartsWith("test", StringComparison.Ordinal))
                       ?? Directory.EnumerateFiles(dir, "*.tsv").Order(StringComparer.Ordinal).FirstOrDefault();
            if (file != null) all.AddRange(IobNerLoader.Load(file, dataset.Name));
        }
        var ddi = Path.Combine(root, "ddi");
        if (Directory.Exists(ddi)) all.AddRange(DdiLoader.LoadDirectory(ddi));
        var hoc = Path.Combine(root, "hoc");
        if (Directory.Exists(Path.Combine(hoc, "text"))) all.AddRange(HocLoader.Load(hoc));
        var drugs = Path.Combine(root, "medical_drugs");
        if (Directory.Exists(drugs))
            foreach (var f in Directory.EnumerateFiles(drugs, "*.csv").Order(StringComparer.Ordinal)) all.AddRange(MedicalDrugsLoader.Load(f));

        return BenchmarkCatalog.Group(all, limitPerDataset);
    }
}
