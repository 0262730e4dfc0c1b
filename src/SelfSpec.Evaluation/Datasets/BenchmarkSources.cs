using System.Text.Json;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// Resolves the <c>--datasets</c> argument: a folder in the data-sample layout (see <see cref="BenchmarkDirectory"/>), a
/// BoX-form JSONL file such as <c>data/eval/demo_eval.jsonl</c> (see <see cref="BoxJsonlLoader"/>), or a JSON config
/// naming each source explicitly (format <c>box-jsonl</c> for the JSONL form):
/// <code>
/// { "limitPerDataset": 200,
///   "sources": [ { "dataset": "BioASQ", "format": "bioasq", "path": "bioasq/test.json" },
///                { "dataset": "PubMedQA", "format": "pubmedqa", "path": "pqal/ori_pqal.json", "split": "pqal/test_ground_truth.json" },
///                { "dataset": "NCBI", "format": "iob", "path": "ner/NCBI-disease-IOB/test.tsv" },
///                { "dataset": "DDI", "format": "ddi", "path": "ddi/Test" },
///                { "dataset": "HoC", "format": "hoc", "path": "hoc" },
///                { "dataset": "Medical Drugs", "format": "medical-drugs", "path": "drugs/test.csv" } ] }
/// </code>
/// Relative paths are resolved against the config file's folder. A "bioasq" source yields the three BioASQ datasets.
/// </summary>
public static class BenchmarkSources
{
    /// <summary>Instances per dataset name, in Table 1 order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> Load(string directoryOrConfig, int? limitPerDataset = null)
    {
        if (Directory.Exists(directoryOrConfig)) return BenchmarkDirectory.Load(directoryOrConfig, limitPerDataset);
        if (!File.Exists(directoryOrConfig)) throw new DatasetFormatException(directoryOrConfig, null, "no such folder, JSONL or config file");
        if (BoxJsonlLoader.IsJsonl(directoryOrConfig)) return BenchmarkCatalog.Group(BoxJsonlLoader.Load(directoryOrConfig), limitPerDataset);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(directoryOrConfig)); }
        catch (JsonException e) { throw new DatasetFormatException(directoryOrConfig, null, "config is not valid JSON: " + e.Message, e); }
        using (doc)
        {
            var root = Path.GetDirectoryName(Path.GetFullPath(directoryOrConfig))!;
            if (limitPerDataset == null && doc.RootElement.TryGetProperty("limitPerDataset", out var l) && l.TryGetInt32(out var n)) limitPerDataset = n;
            if (!doc.RootElement.TryGetProperty("sources", out var sources) || sources.ValueKind != JsonValueKind.Array)
                throw new DatasetFormatException(directoryOrConfig, null, "config needs a \"sources\" array");
            var all = new List<EvalInstance>();
            int index = 0;
            foreach (var s in sources.EnumerateArray())
            {
                var record = $"sources[{index++}]";
                string Get(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                    : throw new DatasetFormatException(directoryOrConfig, record, $"missing \"{name}\"");
                var format = Get("format");
                var path = Path.Combine(root, Get("path"));
                switch (format)
                {
                    case "bioasq": all.AddRange(BioAsqLoader.Load(path)); break;
                    case "pubmedqa":
                        var split = s.TryGetProperty("split", out var sp) ? PubMedQaLoader.LoadSplitPmids(Path.Combine(root, sp.GetString()!)) : null;
                        all.AddRange(PubMedQaLoader.Load(path, split));
                        break;
                    case "iob": all.AddRange(IobNerLoader.Load(path, BenchmarkCatalog.Get(Get("dataset")).Name)); break;
                    case "ddi": all.AddRange(Directory.Exists(path) ? DdiLoader.LoadDirectory(path) : DdiLoader.LoadFile(path)); break;
                    case "hoc": all.AddRange(HocLoader.Load(path)); break;
                    case "medical-drugs": all.AddRange(MedicalDrugsLoader.Load(path)); break;
                    case "box-jsonl": all.AddRange(BoxJsonlLoader.Load(path)); break;
                    default: throw new DatasetFormatException(directoryOrConfig, record, $"unknown format '{format}' (bioasq, pubmedqa, iob, ddi, hoc, medical-drugs, box-jsonl)");
                }
            }
            return BenchmarkCatalog.Group(all, limitPerDataset);
        }
    }
}
