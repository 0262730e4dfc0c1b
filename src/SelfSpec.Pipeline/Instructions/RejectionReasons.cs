namespace SelfSpec.Pipeline.Instructions;

/// <summary>The values of <see cref="Artifacts.RejectedInstructionRow.Reason"/>, one per filter rule (algorithms.md §1.3/§1.6).</summary>
public static class RejectionReasons
{
    /// <summary>3 words or fewer.</summary>
    public const string TooShort = "too_short";

    /// <summary>More than 150 words.</summary>
    public const string TooLong = "too_long";

    /// <summary>Contains a blacklisted keyword (image, graph, file, map, draw, plot, go to, video, audio, music, flowchart, diagram, …).</summary>
    public const string BlacklistedKeyword = "blacklisted_keyword";

    /// <summary>Starts with "Write a program".</summary>
    public const string WriteAProgram = "write_a_program";

    /// <summary>Starts with ASCII punctuation.</summary>
    public const string LeadingPunctuation = "leading_punctuation";

    /// <summary>Starts with a non-ASCII character.</summary>
    public const string NonAsciiStart = "non_ascii_start";

    /// <summary>Exactly equal to a seed or an instruction kept earlier.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>ROUGE-L F above the threshold (0.7) against a seed or an instruction kept earlier.</summary>
    public const string TooSimilar = "too_similar";

    /// <summary>Not evaluated: the target count was reached earlier in the same batch (keeps raw = kept + rejected).</summary>
    public const string Surplus = "surplus";

    /// <summary>Every reason, in the order the rules run.</summary>
    public static IReadOnlyList<string> All { get; } =
        [TooShort, TooLong, BlacklistedKeyword, WriteAProgram, LeadingPunctuation, NonAsciiStart, Duplicate, TooSimilar, Surplus];
}
