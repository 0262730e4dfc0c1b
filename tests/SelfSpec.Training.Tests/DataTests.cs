using SelfSpec.Training.Data;

namespace SelfSpec.Training.Tests;

/// <summary>Reading training files: both row kinds, and errors that name the file, row and field.</summary>
public sealed class DataTests
{
    [Fact]
    public void PreTokenisedRowsAreReadTruncatedAndLabelledAsGiven()
    {
        using var dir = new TempDir();
        var path = dir.Combine("d.jsonl");
        File.WriteAllLines(path, ["{\"input_ids\":[5,6,7,8],\"labels\":[-100,6,7,8]}", "", "{\"input_ids\":[9,10,11],\"extra\":1}"]);
        var rows = TrainingDataset.Load(path, maxLength: 3, vocabSize: 320);
        Assert.Equal(2, rows.Count);
        Assert.Equal([5, 6, 7], rows[0].InputIds);
        Assert.Equal([-100, 6, 7], rows[0].Labels);
        Assert.Equal([9, 10, 11], rows[1].Labels); // no labels: every token counts
        Assert.Equal(2, rows[1].TargetTokenCount); // the first position predicts nothing
    }

    [Theory]
    [InlineData("{\"input_ids\":[1,2],\"labels\":[1]}", 1, "labels")]
    [InlineData("{\"input_ids\":[1,\"x\"]}", 1, "input_ids")]
    [InlineData("{\"instruction\":\"do\"}", 1, "output")]
    [InlineData("{\"instruction\":\"do\",\"output\":\"ok\"}", 1, "instruction")] // no tokenizer for instruction rows
    [InlineData("not json", 1, null)]
    public void BadRowsAreReportedWithRowAndField(string line, long row, string? field)
    {
        using var dir = new TempDir();
        var path = dir.Combine("d.jsonl");
        File.WriteAllText(path, line + "\n");
        var e = Assert.Throws<TrainingDataException>(() => TrainingDataset.Load(path, vocabSize: 320));
        Assert.Equal(path, e.File);
        Assert.Equal(row, e.Row);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void ParquetWrittenByDuckDbReadsLikeTheSameRowsInJsonl()
    {
        using var dir = new TempDir();
        var lines = new[] { "{\"input_ids\":[5,6,7,8],\"labels\":[-100,6,7,8]}", "{\"input_ids\":[9,10,11],\"labels\":[9,10,11]}" };
        File.WriteAllLines(dir.Combine("d.jsonl"), lines);
        // DuckDB writes the Parquet copy: an independent writer
        var r = ChildProcess.Run(Paths.SharedTool("parquet-write"),
            ["--input", dir.Combine("d.jsonl"), "--columns", "input_ids INTEGER[], labels INTEGER[]", "--output", dir.Combine("d.parquet"), "--quiet"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var fromJsonl = TrainingDataset.Load(dir.Combine("d.jsonl"), vocabSize: 320);
        var fromParquet = TrainingDataset.Load(dir.Combine("d.parquet"), vocabSize: 320);
        Assert.Equal(fromJsonl.Select(e => e.InputIds), fromParquet.Select(e => e.InputIds));
        Assert.Equal(fromJsonl.Select(e => e.Labels), fromParquet.Select(e => e.Labels));
    }

    [Fact]
    public void ParquetInstructionRowsNeedATokenizerAndOtherSchemasAreNamed()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.Combine("sft.jsonl"), ["{\"instruction\":\"Name the gene.\",\"input\":\"BRCA1 is mutated.\",\"output\":\"BRCA1\"}"]);
        var r = ChildProcess.Run(Paths.SharedTool("parquet-write"),
            ["--input", dir.Combine("sft.jsonl"), "--columns", "instruction VARCHAR, input VARCHAR, output VARCHAR", "--output", dir.Combine("sft.parquet"), "--quiet"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var e = Assert.Throws<TrainingDataException>(() => TrainingDataset.Load(dir.Combine("sft.parquet")));
        Assert.Equal("instruction", e.Field);

        File.WriteAllLines(dir.Combine("other.jsonl"), ["{\"text\":\"x\"}"]);
        ChildProcess.Run(Paths.SharedTool("parquet-write"), ["--input", dir.Combine("other.jsonl"), "--columns", "text VARCHAR", "--output", dir.Combine("other.parquet"), "--quiet"]);
        var e2 = Assert.Throws<TrainingDataException>(() => TrainingDataset.Load(dir.Combine("other.parquet")));
        Assert.Contains("neither input_ids nor instruction/output", e2.Message);
        Assert.Equal(dir.Combine("other.parquet"), e2.File);
    }

    [Fact]
    public void HeldOutSplitIsSeededAndDisjoint()
    {
        var examples = Fixtures.RandomRows(20, seed: 3);
        var (train, heldOut) = TrainingDataset.Split(examples, 0.2, seed: 5);
        var (train2, heldOut2) = TrainingDataset.Split(examples, 0.2, seed: 5);
        Assert.Equal(4, heldOut.Count);
        Assert.Equal(16, train.Count);
        Assert.Equal(heldOut, heldOut2);
        Assert.Empty(train.Intersect(heldOut));
        Assert.NotEqual(heldOut, TrainingDataset.Split(examples, 0.2, seed: 6).HeldOut);
    }
}
