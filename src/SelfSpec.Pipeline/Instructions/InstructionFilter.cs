using System.Text.RegularExpressions;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>Settings of <see cref="InstructionFilter"/>; the defaults are Alpaca's (algorithms.md §1.3, §1.6).</summary>
public sealed record InstructionFilterOptions
{
    /// <summary>Alpaca's extended keyword blacklist (Self-Instruct's plus video, audio, music, flowchart, diagram).</summary>
    public static IReadOnlyList<string> DefaultBlacklist { get; } =
        ["image", "images", "graph", "graphs", "picture", "pictures", "file", "files", "map", "maps", "draw", "plot", "go to",
         "video", "audio", "music", "flowchart", "diagram"];

    /// <summary>Instructions with this many words or fewer are rejected (default 3: "≤ 3").</summary>
    public int MaxRejectedShortWords { get; init; } = 3;

    /// <summary>Instructions with more words than this are rejected (default 150: "&gt; 150").</summary>
    public int MaxWords { get; init; } = 150;

    /// <summary>Keywords matched case-insensitively as whole words (<c>\b(word)\b</c>).</summary>
    public IReadOnlyList<string> Blacklist { get; init; } = DefaultBlacklist;

    /// <summary>Rejected when the similarity is strictly above this (default 0.7; exactly 0.7 passes).</summary>
    public double SimilarityThreshold { get; init; } = 0.7;
}

/// <summary>The decision on one candidate.</summary>
/// <param name="Kept">True if the instruction passed every rule (and joined the pool).</param>
/// <param name="Reason">The rejecting rule (<see cref="RejectionReasons"/>); null when kept.</param>
/// <param name="Detail">A human-readable detail of the decision.</param>
/// <param name="MaxSimilarity">The highest similarity against the pool, when the novelty check ran.</param>
/// <param name="MostSimilar">The text that scored it.</param>
public sealed record FilterDecision(bool Kept, string? Reason, string Detail, double? MaxSimilarity, string? MostSimilar);

/// <summary>
/// The instruction filters of Self-Instruct / Alpaca (algorithms.md §1.3, §1.6), in order: word count (reject ≤ 3 or
/// &gt; 150 words, Python <c>str.split()</c> semantics), keyword blacklist (whole words, case-insensitive), "Write a
/// program" prefix (case-sensitive), leading ASCII punctuation, leading non-ASCII character, exact duplicate of a seed or
/// kept instruction, and novelty: similarity above the threshold against the seeds and every instruction kept so far.
/// The similarity is injected (<see cref="ISimilarityIndex"/>, typically ROUGE-L F without stemming). Stateful: every
/// kept instruction joins the pool, so call <see cref="Evaluate"/> in generation order. Not thread-safe.
/// </summary>
public sealed class InstructionFilter
{
    private const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private readonly InstructionFilterOptions _options;
    private readonly ISimilarityIndex _pool;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly (string Word, Regex Pattern)[] _blacklist;

    /// <summary>Creates the filter; <paramref name="seedInstructions"/> start the pool.</summary>
    public InstructionFilter(IEnumerable<string> seedInstructions, ISimilarityIndex pool, InstructionFilterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(seedInstructions);
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _options = options ?? new InstructionFilterOptions();
        _blacklist = _options.Blacklist
            .Select(w => (w, new Regex($@"\b({Regex.Escape(w)})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)))
            .ToArray();
        foreach (var seed in seedInstructions)
        {
            _pool.Add(seed);
            _seen.Add(seed);
        }
    }

    /// <summary>Creates the filter over a pairwise similarity function (see <see cref="PairwiseSimilarityIndex"/>).</summary>
    public InstructionFilter(IEnumerable<string> seedInstructions, Func<string, string, double> similarity, InstructionFilterOptions? options = null)
        : this(seedInstructions, new PairwiseSimilarityIndex(similarity), options) { }

    /// <summary>Instructions kept so far (not counting the seeds).</summary>
    public int KeptCount { get; private set; }

    /// <summary>Applies the rules to <paramref name="instruction"/>; a kept instruction joins the pool.</summary>
    public FilterDecision Evaluate(string instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (CheckRules(instruction) is { } rejected) return rejected;
        if (_seen.Contains(instruction))
            return new FilterDecision(false, RejectionReasons.Duplicate, "exact duplicate of a seed or a kept instruction", 1.0, instruction);
        var match = _pool.FindMostSimilar(instruction);
        if (match.Score > _options.SimilarityThreshold)
            return new FilterDecision(false, RejectionReasons.TooSimilar,
                $"similarity {match.Score.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)} > {_options.SimilarityThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                match.Score, match.Text);
        _pool.Add(instruction);
        _seen.Add(instruction);
        KeptCount++;
        return new FilterDecision(true, null, "kept", match.Score, match.Text);
    }

    /// <summary>The rules that need no pool (word count to leading character); null when all pass.</summary>
    public FilterDecision? CheckRules(string instruction)
    {
        var words = CountWords(instruction);
        if (words <= _options.MaxRejectedShortWords)
            return Reject(RejectionReasons.TooShort, $"{words} word(s), needs more than {_options.MaxRejectedShortWords}");
        if (words > _options.MaxWords)
            return Reject(RejectionReasons.TooLong, $"{words} words, at most {_options.MaxWords}");
        foreach (var (word, pattern) in _blacklist)
            if (pattern.IsMatch(instruction))
                return Reject(RejectionReasons.BlacklistedKeyword, $"contains '{word}'");
        if (instruction.StartsWith("Write a program", StringComparison.Ordinal))
            return Reject(RejectionReasons.WriteAProgram, "starts with 'Write a program'");
        if (AsciiPunctuation.Contains(instruction[0]))
            return Reject(RejectionReasons.LeadingPunctuation, $"starts with '{instruction[0]}'");
        if (instruction[0] > '\u007f')
            return Reject(RejectionReasons.NonAsciiStart, $"starts with non-ASCII U+{(int)instruction[0]:X4}");
        return null;
    }

    /// <summary>Words as Python's <c>str.split()</c> counts them: runs of whitespace (including U+001C–U+001F) separate words.</summary>
    public static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var space = char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';
            if (!space && !inWord) count++;
            inWord = !space;
        }
        return count;
    }

    private static FilterDecision Reject(string reason, string detail) => new(false, reason, detail, null, null);
}
