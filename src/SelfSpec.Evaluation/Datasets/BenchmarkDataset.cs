namespace SelfSpec.Evaluation.Datasets;

/// <summary>One of the paper's ten evaluation datasets.</summary>
/// <param name="Name">Display name as in Table 1 (also the <see cref="EvalInstance.Dataset"/> value).</param>
/// <param name="Family">Task family (Table 1 groups and averages by it).</param>
/// <param name="BoxTask">The BoX task whose definition and seed examples prompt this dataset (key of <c>BoX_instructions.json</c>).</param>
/// <param name="MaxNewTokens">Greedy generation budget: short labels get a few tokens, entity lists and long answers more.</param>
/// <param name="ListValued">The gold answer is a list joined by <c>", "</c> (BioASQ list, the NER sets, HoC); only the
/// <see cref="Metrics.ScoringConvention.BoxListSplit"/> convention looks at it.</param>
public sealed record BenchmarkDataset(string Name, TaskFamily Family, string BoxTask, int MaxNewTokens, bool ListValued = false);

/// <summary>The ten datasets of Table 1, in its row order.</summary>
public static class BenchmarkCatalog
{
    /// <summary>BioASQ task 8b factoid questions.</summary>
    public static readonly BenchmarkDataset BioAsqFactoid = new("BioASQ-Factoid", TaskFamily.QA, "BioASQ-8b_factoid", 32);

    /// <summary>BioASQ task 8b list questions.</summary>
    public static readonly BenchmarkDataset BioAsqList = new("BioASQ-List", TaskFamily.QA, "BioASQ-8b_list", 64, ListValued: true);

    /// <summary>BioASQ task 8b yes/no questions.</summary>
    public static readonly BenchmarkDataset BioAsqYesNo = new("BioASQ-Yesno", TaskFamily.QA, "BioASQ-8b_yesno", 4);

    /// <summary>PubMedQA (PQA-L) long answers.</summary>
    public static readonly BenchmarkDataset PubMedQa = new("PubMedQA", TaskFamily.QA, "PubMed", 128);

    /// <summary>AnatEM anatomy NER.</summary>
    public static readonly BenchmarkDataset AnatEm = new("AnatEM", TaskFamily.NER, "AnatEM", 96, ListValued: true);

    /// <summary>BioNLP 2013 Cancer Genetics NER.</summary>
    public static readonly BenchmarkDataset BioNlp13Cg = new("BioNLP13CG", TaskFamily.NER, "BioNLP13CG", 128, ListValued: true);

    /// <summary>NCBI-disease NER.</summary>
    public static readonly BenchmarkDataset Ncbi = new("NCBI", TaskFamily.NER, "NCBI", 96, ListValued: true);

    /// <summary>DDI-2013 drug-drug interaction (true/false).</summary>
    public static readonly BenchmarkDataset Ddi = new("DDI", TaskFamily.RE, "DDI", 4);

    /// <summary>Medical Drugs (Innoplexus) drug sentiment.</summary>
    public static readonly BenchmarkDataset MedicalDrugs = new("Medical Drugs", TaskFamily.SA, "Medical_Drugs", 4);

    /// <summary>Hallmarks of Cancer sentence classification.</summary>
    public static readonly BenchmarkDataset HoC = new("HoC", TaskFamily.DC, "HoC", 48, ListValued: true);

    /// <summary>All ten, in Table 1 order.</summary>
    public static IReadOnlyList<BenchmarkDataset> All { get; } =
        [BioAsqFactoid, BioAsqList, BioAsqYesNo, PubMedQa, AnatEm, BioNlp13Cg, Ncbi, Ddi, MedicalDrugs, HoC];

    /// <summary>The dataset called <paramref name="name"/> (case-insensitive).</summary>
    public static BenchmarkDataset Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown dataset '{name}' (known: {string.Join(", ", All.Select(d => d.Name))})", nameof(name));

    /// <summary>
    /// The dataset a looser spelling names, or null: the Table 1 name or the BoX task name, ignoring case, spaces and
    /// punctuation (<c>BioASQ-factoid</c>, <c>Medical-Drugs</c>, <c>medical_drugs</c>), plus the corpora's own names
    /// (<c>NCBI-disease</c>).
    /// </summary>
    public static BenchmarkDataset? Find(string name)
    {
        var key = Key(name);
        if (key.Length == 0) return null;
        return All.FirstOrDefault(d => Key(d.Name) == key || Key(d.BoxTask) == key)
            ?? (key == "ncbidisease" ? Ncbi : key == "pubmedqal" || key == "pqal" ? PubMedQa : null);
    }

    /// <summary>A grouping of instances by dataset in Table 1 order (datasets without instances left out), each cut to <paramref name="limitPerDataset"/>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> Group(IEnumerable<EvalInstance> instances, int? limitPerDataset = null)
    {
        var byName = instances.GroupBy(i => i.Dataset).ToDictionary(g => g.Key, g => g.ToList());
        var result = new Dictionary<string, IReadOnlyList<EvalInstance>>();
        foreach (var d in All)
        {
            if (!byName.TryGetValue(d.Name, out var items)) continue;
            var list = limitPerDataset is { } n ? items.Take(n).ToList() : items;
            if (list.Count > 0) result[d.Name] = list;
        }
        return result;
    }

    private static string Key(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
