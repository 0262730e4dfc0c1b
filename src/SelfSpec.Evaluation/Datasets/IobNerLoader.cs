namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// CoNLL-style IOB TSV (<c>token\ttag</c>, a blank line between sentences; the MTL-Bioinformatics-2016 layout) → BoX NER:
/// input the sentence's tokens joined by single spaces, output <c>entity &lt;Type&gt;, entity &lt;Type&gt;</c> in sentence order.
/// </summary>
public static class IobNerLoader
{
    /// <summary>Loads the sentences of <paramref name="path"/> as instances of <paramref name="dataset"/>.</summary>
    /// <param name="path">The TSV file.</param>
    /// <param name="dataset">The dataset name (e.g. "NCBI").</param>
    /// <param name="includeSentencesWithoutEntities">
    /// BoX's NER examples all name at least one entity and an empty reference scores 0 whatever the model says,
    /// so sentences without entities are skipped unless this is true (their output is then the empty string).
    /// </param>
    public static List<EvalInstance> Load(string path, string dataset, bool includeSentencesWithoutEntities = false)
    {
        var result = new List<EvalInstance>();
        var tokens = new List<string>();
        var entities = new List<string>();
        var current = new List<string>();
        string? currentType = null;
        int sentence = 0, lineNumber = 0;

        void CloseEntity()
        {
            if (currentType != null) entities.Add($"{string.Join(' ', current)} <{currentType}>");
            current.Clear();
            currentType = null;
        }

        void CloseSentence()
        {
            CloseEntity();
            if (tokens.Count > 0 && (entities.Count > 0 || includeSentencesWithoutEntities))
            {
                var output = string.Join(", ", entities);
                result.Add(new EvalInstance(dataset, sentence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    string.Join(' ', tokens), output, [output]));
            }
            if (tokens.Count > 0) sentence++;
            tokens.Clear();
            entities.Clear();
        }

        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                CloseSentence();
                continue;
            }
            var tab = line.LastIndexOf('\t');
            if (tab <= 0) throw new DatasetFormatException(path, $"line {lineNumber}", "expected token<TAB>tag");
            var token = line[..tab];
            var tag = line[(tab + 1)..].Trim();
            tokens.Add(token);
            if (tag == "O")
            {
                CloseEntity();
            }
            else if (tag.Length > 2 && tag[1] == '-' && tag[0] is 'B' or 'I')
            {
                var type = tag[2..];
                // An I- tag that does not continue an entity of the same type starts one (the usual lenient IOB reading).
                if (tag[0] == 'B' || currentType != type) CloseEntity();
                currentType = type;
                current.Add(token);
            }
            else throw new DatasetFormatException(path, $"line {lineNumber}", $"tag '{tag}' is not O, B-Type or I-Type");
        }
        CloseSentence();
        return result;
    }
}
