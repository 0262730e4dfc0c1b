using SelfSpec.Pipeline.Remote;
using SelfSpec.TestSupport;
using SelfSpec.Pipeline.Instructions;

namespace SelfSpec.Pipeline.Tests.Remote;

/// <summary>The journal of finished rows: what a crash mid-write leaves is dropped, everything complete is kept.</summary>
public sealed class RowJournalTests
{
    [Fact]
    public void RowsSurviveReopeningAndATornLastLineIsDroppedBeforeAppendingContinues()
    {
        using var dir = new TempDir("selfspec-journal-");
        var path = dir.Combine("resume", "completions.jsonl");
        using (var journal = RowJournal<JournalCompletion>.Open(path))
        {
            journal.Append("0", new JournalCompletion("aa", "first\nline", false));
            journal.Append("1", new JournalCompletion("bb", "second", true));
        }
        // A process killed in the middle of a write leaves part of a line behind.
        File.AppendAllText(path, "{\"Key\":\"2\",\"Row\":{\"PromptHash\":\"cc\",\"Te");
        using (var journal = RowJournal<JournalCompletion>.Open(path))
        {
            Assert.Equal(2, journal.Count);
            Assert.True(journal.TryGet("0", out var first));
            Assert.Equal(new JournalCompletion("aa", "first\nline", false), first);
            Assert.False(journal.TryGet("2", out _));
            journal.Append("2", new JournalCompletion("cc", "third", false));
        }
        using (var journal = RowJournal<JournalCompletion>.Open(path))
        {
            Assert.Equal(3, journal.Count);
            Assert.True(journal.TryGet("2", out var third));
            Assert.Equal("third", third.Text);
        }
        Assert.Equal(3, File.ReadAllLines(path).Length); // the torn bytes are gone, not buried mid-file
    }

    [Fact]
    public void RowSeedsDependOnTheRowsIdentityAndTheRunsSeedOnly()
    {
        Assert.Equal(SamplingSettings.RowSeed(42, "17"), SamplingSettings.RowSeed(42, "17"));
        Assert.NotEqual(SamplingSettings.RowSeed(42, "17"), SamplingSettings.RowSeed(42, "18"));
        Assert.NotEqual(SamplingSettings.RowSeed(42, "17"), SamplingSettings.RowSeed(43, "17"));
        Assert.InRange(SamplingSettings.RowSeed(42, "17"), 0, int.MaxValue);
    }
}
