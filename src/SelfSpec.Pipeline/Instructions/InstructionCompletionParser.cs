using System.Text.RegularExpressions;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>One (instruction, input, output) item parsed from a completion.</summary>
/// <param name="Number">The item's number in the prompt (4, 5, … after three demonstrations).</param>
/// <param name="Instruction">The instruction, trimmed.</param>
/// <param name="Input">The input, trimmed; empty for <c>&lt;noinput&gt;</c>.</param>
/// <param name="Output">The output, trimmed.</param>
public sealed record GeneratedItem(int Number, string Instruction, string Input, string Output);

/// <summary>What <see cref="InstructionCompletionParser.Parse"/> found in one completion.</summary>
/// <param name="Items">The items that parsed, in order.</param>
/// <param name="Errors">One message per non-empty piece that did not parse (or was dropped), naming its number.</param>
/// <param name="Notes">One message per item accepted only because <see cref="ItemNumbering.Any"/> ignores label numbers.</param>
public sealed record ParsedCompletion(IReadOnlyList<GeneratedItem> Items, IReadOnlyList<string> Errors, IReadOnlyList<string> Notes);

/// <summary>How strictly the labels of a generated item must carry the item's number.</summary>
public enum ItemNumbering
{
    /// <summary>
    /// Alpaca's rule: piece k is split on <c>{k}. Instruction:</c>, <c>{k}. Input:</c>, <c>{k}. Output:</c> only, so an item
    /// whose labels carry another number (<c>4. Instruction: … 2. Input: …</c>) is lost.
    /// </summary>
    Exact,

    /// <summary>
    /// As <see cref="Exact"/>, and a piece that fails it is still accepted when it holds exactly three numbered labels,
    /// <c>Instruction</c>, <c>Input</c>, <c>Output</c> in that order, whatever their numbers (a note records it). The
    /// numbers only repeat the item's position; the triple is what the pipeline uses, and the filters judge it next.
    /// </summary>
    Any,
}

/// <summary>
/// Parses an instruction-generation completion as Alpaca's <c>post_process_gpt3_response</c> does (algorithms.md §1.6):
/// the prompt's last line (<c>{n}. Instruction:</c>) is prepended, the text is split on <c>###</c>, piece k (numbered
/// from the first generated number) is split on <c>{k}\.\s+(Instruction|Input|Output):</c> and must give exactly 7 parts
/// (the three labels in that order); <c>&lt;noinput&gt;</c> becomes an empty input. When generation hit the length limit
/// the last piece is dropped. A malformed piece never stops the others from parsing; it becomes an error message.
/// With <see cref="ItemNumbering.Any"/>, a piece whose three labels carry other numbers is accepted too.
/// </summary>
public static class InstructionCompletionParser
{
    /// <summary>Parses <paramref name="completion"/> of a prompt whose first generated item is <paramref name="firstNumber"/>.</summary>
    /// <param name="completion">The raw completion text (what follows <c>{firstNumber}. Instruction:</c>).</param>
    /// <param name="firstNumber">The number of the first generated item (demonstrations + 1; 4 in the paper).</param>
    /// <param name="truncated">True when generation stopped at the token limit (finish reason <c>length</c>).</param>
    /// <param name="numbering">Whether the labels must carry the item's own number (Alpaca) or any number.</param>
    public static ParsedCompletion Parse(string completion, int firstNumber, bool truncated, ItemNumbering numbering = ItemNumbering.Exact)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (firstNumber < 1) throw new ArgumentOutOfRangeException(nameof(firstNumber), "item numbers start at 1");
        var pieces = ($"{firstNumber}. Instruction:" + completion).Split("###");
        var items = new List<GeneratedItem>();
        var errors = new List<string>();
        var notes = new List<string>();
        for (var idx = 0; idx < pieces.Length; idx++)
        {
            var number = firstNumber + idx;
            var piece = pieces[idx];
            if (idx == pieces.Length - 1 && truncated)
            {
                if (piece.Trim().Length > 0) errors.Add($"item {number}: dropped, generation stopped at the length limit inside it");
                continue;
            }
            if (piece.Trim().Length == 0) continue;
            var parts = Regex.Split(piece, $@"{number}\.\s+(Instruction|Input|Output):");
            string? error = null;
            if (parts.Length != 7)
                error = $"item {number}: expected '{number}. Instruction:', '{number}. Input:' and '{number}. Output:' once each, found {(parts.Length - 1) / 2} label(s) in {Preview(piece)}";
            else if (parts[1] != "Instruction" || parts[3] != "Input" || parts[5] != "Output")
                error = $"item {number}: labels out of order ({parts[1]}, {parts[3]}, {parts[5]})";
            if (error != null && numbering == ItemNumbering.Any && AnyNumberParts(piece) is { } relabelled)
            {
                notes.Add($"item {number}: labels numbered {relabelled.Numbers}, not {number}; accepted (item numbering: any)");
                parts = relabelled.Parts;
                error = null;
            }
            if (error != null)
            {
                errors.Add(error);
                continue;
            }
            var instruction = parts[2].Trim();
            var input = parts[4].Trim();
            if (string.Equals(input, "<noinput>", StringComparison.OrdinalIgnoreCase)) input = "";
            items.Add(new GeneratedItem(number, instruction, input, parts[6].Trim()));
        }
        return new ParsedCompletion(items, errors, notes);
    }

    private static readonly Regex AnyNumberLabel = new(@"(\d+)\.\s+(Instruction|Input|Output):", RegexOptions.CultureInvariant);

    /// <summary>The 7 parts of <paramref name="piece"/> split on labels of any number, when it has exactly Instruction, Input, Output in order.</summary>
    private static (string[] Parts, string Numbers)? AnyNumberParts(string piece)
    {
        var labels = AnyNumberLabel.Matches(piece);
        if (labels.Count != 3 || labels[0].Groups[2].Value != "Instruction" || labels[1].Groups[2].Value != "Input" || labels[2].Groups[2].Value != "Output")
            return null;
        int End(int label) => labels[label].Index + labels[label].Length;
        var parts = new[]
        {
            piece[..labels[0].Index], "Instruction", piece[End(0)..labels[1].Index], "Input", piece[End(1)..labels[2].Index], "Output", piece[End(2)..],
        };
        return (parts, string.Join(", ", labels.Select(m => m.Groups[1].Value)));
    }

    private static string Preview(string piece)
    {
        var flat = piece.Trim().Replace('\n', ' ');
        return flat.Length <= 60 ? $"\"{flat}\"" : $"\"{flat[..57]}...\"";
    }
}
