using SelfSpec.Pipeline.Instructions;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The completion parser against algorithms.md §1.6 (Alpaca's post_process_gpt3_response), including malformed outputs.</summary>
public class CompletionParserTests
{
    // What a model writes after the prompt's final "4. Instruction:".
    private const string Good =
        " Identify the gene in the sentence.\n4. Input:\nMutations in BRCA1 raise breast cancer risk.\n4. Output:\nBRCA1\n" +
        "###\n5. Instruction: Explain what a biomarker is.\n5. Input:\n<noinput>\n5. Output:\nA measurable indicator of a biological state.\n" +
        "###\n6. Instruction: Is the drug an anticoagulant?\n6. Input:\nWarfarin\n6. Output:\nyes\n###\n";

    public static TheoryData<string, string, bool, string[], string[]> Cases => new()
    {
        // name, completion, truncated, expected "instruction|input|output" items, expected error prefixes
        { "three good items", Good, false,
            ["Identify the gene in the sentence.|Mutations in BRCA1 raise breast cancer risk.|BRCA1", "Explain what a biomarker is.||A measurable indicator of a biological state.", "Is the drug an anticoagulant?|Warfarin|yes"], [] },
        { "truncated: the last piece is dropped", Good.TrimEnd('#', '\n') + "\n###\n7. Instruction: Define the term apoptosis\n7. In", true,
            ["Identify the gene in the sentence.|Mutations in BRCA1 raise breast cancer risk.|BRCA1", "Explain what a biomarker is.||A measurable indicator of a biological state.", "Is the drug an anticoagulant?|Warfarin|yes"],
            ["item 7: dropped"] },
        { "truncated exactly after a separator drops nothing real", Good, true,
            ["Identify the gene in the sentence.|Mutations in BRCA1 raise breast cancer risk.|BRCA1", "Explain what a biomarker is.||A measurable indicator of a biological state.", "Is the drug an anticoagulant?|Warfarin|yes"], [] },
        { "missing Output label", " Name a vitamin.\n4. Input:\n<noinput>\nVitamin C\n###\n5. Instruction: Name an organ.\n5. Input:\n\n5. Output:\nLiver", false,
            ["Name an organ.||Liver"], ["item 4: expected"] },
        { "wrong number on one item only loses that item", " A?\n4. Input:\nx\n4. Output:\ny\n###\n9. Instruction: B b b b?\n9. Input:\nx\n9. Output:\ny\n###\n6. Instruction: C c c c?\n6. Input:\n<NoInput>\n6. Output:\nz", false,
            ["A?|x|y", "C c c c?||z"], ["item 5: expected"] },
        { "labels out of order", " Q\n4. Output:\nA\n4. Input:\nI", false, [], ["item 4: labels out of order"] },
        { "duplicated label gives more than 7 parts", " Q\n4. Input:\nI\n4. Input:\nJ\n4. Output:\nO", false, [], ["item 4: expected"] },
        { "empty completion", "", false, [], ["item 4: expected"] },
        { "only separators and whitespace", "\n###\n  \n###", false, [], ["item 4: expected"] },
        { "free text without structure", " Sure! Here are some tasks about biology.", false, [], ["item 4: expected"] },
        { "number followed by several spaces and CRLF", " Q one two three\r\n4.   Input:\r\nI\r\n4.\tOutput:\r\nO\r\n", false, ["Q one two three|I|O"], [] },
        { "<noinput> is case-insensitive and trimmed", " Q\n4. Input:\n  <NOINPUT>  \n4. Output:\n O ", false, ["Q||O"], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesLikeAlpaca(string name, string completion, bool truncated, string[] items, string[] errorPrefixes)
    {
        var parsed = InstructionCompletionParser.Parse(completion, firstNumber: 4, truncated);
        Assert.True(items.SequenceEqual(parsed.Items.Select(i => $"{i.Instruction}|{i.Input}|{i.Output}")),
            $"{name}: got [{string.Join(", ", parsed.Items.Select(i => $"{i.Instruction}|{i.Input}|{i.Output}"))}]");
        Assert.Equal(errorPrefixes.Length, parsed.Errors.Count);
        for (var i = 0; i < errorPrefixes.Length; i++) Assert.StartsWith(errorPrefixes[i], parsed.Errors[i]);
    }

    [Fact]
    public void ItemsCarryTheirNumbersAndTheFirstNumberFollowsTheDemonstrations()
    {
        var parsed = InstructionCompletionParser.Parse(Good, 4, false);
        Assert.Equal([4, 5, 6], parsed.Items.Select(i => i.Number));
        var two = InstructionCompletionParser.Parse(" Q\n3. Input:\nI\n3. Output:\nO", firstNumber: 3, truncated: false);
        Assert.Equal("Q|I|O", $"{two.Items[0].Instruction}|{two.Items[0].Input}|{two.Items[0].Output}");
    }

    public static TheoryData<string, string, string[], string[], string[]> AnyNumberCases => new()
    {
        // name, completion, expected items, expected error prefixes, expected note prefixes
        { "well-numbered items parse as with exact numbering, without notes", Good,
            ["Identify the gene in the sentence.|Mutations in BRCA1 raise breast cancer risk.|BRCA1", "Explain what a biomarker is.||A measurable indicator of a biological state.", "Is the drug an anticoagulant?|Warfarin|yes"], [], [] },
        { "labels copied from a demonstration's number", " Name a gene.\n2. Input:\n<noinput>\n1. Output:\nTP53\n###\n5. Instruction: Name an organ.\n5. Input:\n\n5. Output:\nLiver", ["Name a gene.||TP53", "Name an organ.||Liver"],
            [], ["item 4: labels numbered 4, 2, 1, not 4"] },
        { "the whole item numbered one off", " A?\n4. Input:\nx\n4. Output:\ny\n###\n9. Instruction: B b b b?\n9. Input:\nx\n9. Output:\ny", ["A?|x|y", "B b b b?|x|y"],
            [], ["item 5: labels numbered 9, 9, 9, not 5"] },
        { "a missing label still loses the item", " Name a vitamin.\n2. Input:\n<noinput>\nVitamin C", [], ["item 4: expected"], [] },
        { "a repeated label still loses the item", " Q\n4. Input:\nI\n2. Input:\nJ\n2. Output:\nO", [], ["item 4: expected"], [] },
        { "labels out of order still lose the item", " Q\n3. Output:\nA\n3. Input:\nI", [], ["item 4: expected"], [] },
        { "a label without a number is text", " Q\n2. Input:\nI\nOutput:\nO", [], ["item 4: expected"], [] },
    };

    [Theory]
    [MemberData(nameof(AnyNumberCases))]
    public void AnyItemNumberingAlsoAcceptsItemsWhoseLabelsCarryOtherNumbers(string name, string completion, string[] items, string[] errorPrefixes, string[] notePrefixes)
    {
        var parsed = InstructionCompletionParser.Parse(completion, firstNumber: 4, truncated: false, ItemNumbering.Any);
        Assert.True(items.SequenceEqual(parsed.Items.Select(i => $"{i.Instruction}|{i.Input}|{i.Output}")),
            $"{name}: got [{string.Join(", ", parsed.Items.Select(i => $"{i.Instruction}|{i.Input}|{i.Output}"))}]");
        Assert.Equal(errorPrefixes.Length, parsed.Errors.Count);
        for (var i = 0; i < errorPrefixes.Length; i++) Assert.StartsWith(errorPrefixes[i], parsed.Errors[i]);
        Assert.Equal(notePrefixes.Length, parsed.Notes.Count);
        for (var i = 0; i < notePrefixes.Length; i++) Assert.StartsWith(notePrefixes[i], parsed.Notes[i]);
        // Exact numbering (Alpaca) accepts only the items whose labels carry their own number, and notes nothing.
        var exact = InstructionCompletionParser.Parse(completion, firstNumber: 4, truncated: false);
        Assert.Empty(exact.Notes);
        Assert.Equal(items.Length - notePrefixes.Length, exact.Items.Count);
    }
}
