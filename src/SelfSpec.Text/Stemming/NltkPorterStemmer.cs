namespace SelfSpec.Text.Stemming;

/// <summary>
/// A port of NLTK's <c>nltk.stem.porter.PorterStemmer</c> in its default <c>NLTK_EXTENSIONS</c> mode, the stemmer
/// behind <c>rouge_score</c>'s <c>use_stemmer=True</c>. It differs from the original Porter algorithm (and from
/// <see cref="LucenePorterStemmer"/>): irregular forms ("dying"→"die", "skies"→"sky"), "ies"/"ied" of four letters
/// keep "ie", y→i only after a consonant, the "alli" and "fulli" rules, and a looser *o condition for two-letter
/// stems. Rule order and "first matching suffix decides" semantics follow the Python code exactly.
/// Thread-safe and stateless.
/// </summary>
public sealed class NltkPorterStemmer
{
    /// <summary>A shared instance.</summary>
    public static NltkPorterStemmer Instance { get; } = new();

    private static readonly Dictionary<string, string> IrregularForms = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe", ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private delegate bool Condition(string stem);

    private readonly record struct Rule(string Suffix, string Replacement, Condition? When);

    private const string DoubleConsonant = "*d";

    private static readonly Rule[] Step1aRules =
    [
        new("sses", "ss", null), new("ies", "i", null), new("ss", "ss", null), new("s", "", null),
    ];

    private static readonly Rule[] Step2Rules = BuildStep2Rules();

    private static readonly Rule[] Step3Rules =
    [
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure), new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure), new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ];

    private static readonly Rule[] Step4Rules = BuildStep4Rules();

    /// <summary>Stems <paramref name="word"/> as <c>PorterStemmer().stem(word)</c> does (lowercasing first).</summary>
    public string Stem(string word)
    {
        string stem = word.ToLowerInvariant();
        // NLTK looks the *original* word up in its irregular-forms pool, but returns the entry for the lowered one.
        if (IrregularForms.ContainsKey(word)) return IrregularForms[stem];
        if (CodePointLength(word) <= 2) return stem;
        stem = Step1a(stem);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = ApplyRuleList(stem, Step3Rules);
        stem = ApplyRuleList(stem, Step4Rules);
        stem = Step5a(stem);
        stem = Step5b(stem);
        return stem;
    }

    private static int CodePointLength(string s)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++)
            if (!char.IsLowSurrogate(s[i])) n++;
        return n;
    }

    private static bool IsConsonant(string word, int i)
    {
        char c = word[i];
        if (c is 'a' or 'e' or 'i' or 'o' or 'u') return false;
        if (c == 'y') return i == 0 || !IsConsonant(word, i - 1);
        return true;
    }

    // The number of "vc" transitions in the word's consonant/vowel pattern.
    private static int Measure(string stem)
    {
        int m = 0;
        bool previousVowel = false;
        for (int i = 0; i < stem.Length; i++)
        {
            bool consonant = IsConsonant(stem, i);
            if (consonant && previousVowel) m++;
            previousVowel = !consonant;
        }
        return m;
    }

    private static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    private static bool MeasureAboveOne(string stem) => Measure(stem) > 1;

    private static bool ContainsVowel(string stem)
    {
        for (int i = 0; i < stem.Length; i++)
            if (!IsConsonant(stem, i)) return true;
        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    private static bool EndsCvc(string word) =>
        (word.Length >= 3 && IsConsonant(word, word.Length - 3) && !IsConsonant(word, word.Length - 2)
            && IsConsonant(word, word.Length - 1) && word[^1] is not ('w' or 'x' or 'y'))
        || (word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));

    private static string ApplyRuleList(string word, Rule[] rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Suffix == DoubleConsonant)
            {
                if (EndsDoubleConsonant(word))
                {
                    string stem = word[..^2];
                    return rule.When is null || rule.When(stem) ? stem + rule.Replacement : word;
                }
                continue;
            }
            if (word.EndsWith(rule.Suffix, StringComparison.Ordinal))
            {
                string stem = word[..^rule.Suffix.Length];
                return rule.When is null || rule.When(stem) ? stem + rule.Replacement : word;
            }
        }
        return word;
    }

    private static string Step1a(string word)
    {
        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length == 4) return word[..^3] + "ie";
        return ApplyRuleList(word, Step1aRules);
    }

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal))
            return word.Length == 4 ? word[..^3] + "ie" : word[..^3] + "i";
        if (word.EndsWith("eed", StringComparison.Ordinal))
        {
            string stem = word[..^3];
            return Measure(stem) > 0 ? stem + "ee" : word;
        }
        string? intermediate = null;
        foreach (var suffix in (ReadOnlySpan<string>)["ed", "ing"])
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal))
            {
                string candidate = word[..^suffix.Length];
                if (ContainsVowel(candidate)) { intermediate = candidate; break; }
            }
        }
        if (intermediate is null) return word;
        // Python indexes intermediate_stem[-1] even when it is empty (IndexError); an empty stem has no vowel,
        // so that cannot happen here.
        string last = intermediate[^1].ToString();
        return ApplyRuleList(intermediate,
        [
            new("at", "ate", null),
            new("bl", "ble", null),
            new("iz", "ize", null),
            new(DoubleConsonant, last, _ => last is not ("l" or "s" or "z")),
            new("", "e", stem => Measure(stem) == 1 && EndsCvc(stem)),
        ]);
    }

    private static string Step1c(string word) =>
        ApplyRuleList(word, [new("y", "i", stem => stem.Length > 1 && IsConsonant(stem, stem.Length - 1))]);

    private static Rule[] BuildStep2Rules() =>
    [
        new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure),
        new("enci", "ence", PositiveMeasure), new("anci", "ance", PositiveMeasure),
        new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
        new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure),
        new("eli", "e", PositiveMeasure), new("ousli", "ous", PositiveMeasure),
        new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
        new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure),
        new("iveness", "ive", PositiveMeasure), new("fulness", "ful", PositiveMeasure),
        new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
        new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure),
        new("fulli", "ful", PositiveMeasure),
        // NLTK keeps the 'l' of "logi" with the stem when measuring: the condition sees word[:-3] = stem + "l".
        new("logi", "log", stem => PositiveMeasure(stem + "l")),
    ];

    private static string Step2(string word)
    {
        if (word.EndsWith("alli", StringComparison.Ordinal) && PositiveMeasure(word[..^4]))
            return Step2(word[..^4] + "al");
        return ApplyRuleList(word, Step2Rules);
    }

    private static Rule[] BuildStep4Rules() =>
    [
        new("al", "", MeasureAboveOne), new("ance", "", MeasureAboveOne), new("ence", "", MeasureAboveOne),
        new("er", "", MeasureAboveOne), new("ic", "", MeasureAboveOne), new("able", "", MeasureAboveOne),
        new("ible", "", MeasureAboveOne), new("ant", "", MeasureAboveOne), new("ement", "", MeasureAboveOne),
        new("ment", "", MeasureAboveOne), new("ent", "", MeasureAboveOne),
        new("ion", "", stem => Measure(stem) > 1 && stem.Length > 0 && stem[^1] is 's' or 't'),
        new("ou", "", MeasureAboveOne), new("ism", "", MeasureAboveOne), new("ate", "", MeasureAboveOne),
        new("iti", "", MeasureAboveOne), new("ous", "", MeasureAboveOne), new("ive", "", MeasureAboveOne),
        new("ize", "", MeasureAboveOne),
    ];

    private static string Step5a(string word)
    {
        if (word.EndsWith('e'))
        {
            string stem = word[..^1];
            int m = Measure(stem);
            if (m > 1) return stem;
            if (m == 1 && !EndsCvc(stem)) return stem;
        }
        return word;
    }

    private static string Step5b(string word) =>
        ApplyRuleList(word, [new("ll", "l", _ => Measure(word[..^1]) > 1)]);
}
