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
public sealed record ParsedCompletion(IReadOnlyList<GeneratedItem> Items, IReadOnlyList<string> Errors);

/// <summary>
/// Parses an instruction-generation completion as Alpaca's <c>post_process_gpt3_response</c> does (algorithms.md §1.6):
/// the prompt's last line (<c>{n}. Instruction:</c>) is prepended, the text is split on <c>###</c>, piece k (numbered
/// from the first generated number) is split on <c>{k}\.\s+(Instruction|Input|Output):</c> and must give exactly 7 parts
/// (the three labels in that order); <c>&lt;noinput&gt;</c> becomes an empty input. When generation hit the length limit
/// the last piece is dropped. A malformed piece never stops the others from parsing; it becomes an error message.
/// </summary>
public static class InstructionCompletionParser
{
    /// <summary>Parses <paramref name="completion"/> of a prompt whose first generated item is <paramref name="firstNumber"/>.</summary>
    /// <param name="completion">The raw completion text (what follows <c>{firstNumber}. Instruction:</c>).</param>
    /// <param name="firstNumber">The number of the first generated item (demonstrations + 1; 4 in the paper).</param>
    /// <param name="truncated">True when generation stopped at the token limit (finish reason <c>length</c>).</param>
    public static ParsedCompletion Parse(string completion, int firstNumber, bool truncated)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (firstNumber < 1) throw new ArgumentOutOfRangeException(nameof(firstNumber), "item numbers start at 1");
        var pieces = ($"{firstNumber}. Instruction:" + completion).Split("###");
        var items = new List<GeneratedItem>();
        var errors = new List<string>();
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
            if (parts.Length != 7)
            {
                errors.Add($"item {number}: expected '{number}. Instruction:', '{number}. Input:' and '{number}. Output:' once each, found {(parts.Length - 1) / 2} label(s) in {Preview(piece)}");
                continue;
            }
            if (parts[1] != "Instruction" || parts[3] != "Input" || parts[5] != "Output")
            {
                errors.Add($"item {number}: labels out of order ({parts[1]}, {parts[3]}, {parts[5]})");
                continue;
            }
            var instruction = parts[2].Trim();
            var input = parts[4].Trim();
            if (string.Equals(input, "<noinput>", StringComparison.OrdinalIgnoreCase)) input = "";
            items.Add(new GeneratedItem(number, instruction, input, parts[6].Trim()));
        }
        return new ParsedCompletion(items, errors);
    }

    private static string Preview(string piece)
    {
        var flat = piece.Trim().Replace('\n', ' ');
        return flat.Length <= 60 ? $"\"{flat}\"" : $"\"{flat[..57]}...\"";
    }
}
