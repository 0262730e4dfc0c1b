using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Evaluation;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The report's line on where the instructions came from, read from the raw and kept artifacts.</summary>
public class FilterFunnelTests
{
    [Fact]
    public void TheOriginLineCountsPromptsParsedItemsRenumberedItemsAndKept()
    {
        using var dir = new TempDir();
        var raw = dir.Combine("instructions_raw.parquet");
        ParquetSerializer.Write(raw, new[]
        {
            new InstructionRawRow(0, ["s1"], "…", false, ["a", "b"], ["", ""], ["x", "y"], [], ["item 5: labels numbered 2, 2, 1, not 5; accepted (item numbering: any)"]),
            new InstructionRawRow(1, ["s2"], "…", true, [], [], [], ["item 4: expected …"], []),
            new InstructionRawRow(2, ["s3"], "…", false, ["c"], [""], ["z"], [], ["item 4: labels numbered 1, 1, 1, not 4; accepted (item numbering: any)"]),
        });
        var kept = dir.Combine("instructions.parquet");
        ParquetSerializer.Write(kept, new[] { new InstructionRow("inst-000000", 0, "a", "", 0.1, null), new InstructionRow("inst-000001", 2, "c", "", 0.2, "a") });

        Assert.Equal("instructions: 3 prompts → 3 items parsed (2 of them with labels numbered otherwise, accepted with itemNumbers = any) → 2 kept",
            FilterFunnel.Read(raw, kept, null).Origin);
        Assert.Equal("instructions: 3 prompts → 3 items parsed (2 of them with labels numbered otherwise, accepted with itemNumbers = any)",
            FilterFunnel.Read(raw, null, null).Origin);
        Assert.Null(FilterFunnel.Read(null, kept, null).Origin);
    }
}
