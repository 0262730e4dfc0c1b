using System.Diagnostics;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

/// <summary>Kills a real child process in the middle of index work; the previous index must still answer.</summary>
public class CrashTests
{
    [Theory]
    [Trait(Category.Name, Category.Slow)]
    [InlineData("rebuild-forever", 2)]
    [InlineData("rebuild-forever", 7)]
    [InlineData("commit-forever", 3)]
    [InlineData("commit-forever", 9)]
    public void KilledWriterLeavesAWorkingIndex(string mode, int linesBeforeKill)
    {
        using var dir = new TempDir();
        TestIndex.Build(dir.FullPath, PubMedQa.Articles.Take(300), new IndexWriterOptions { MaxBufferedDocs = 100 });
        var question = PubMedQa.All[42].Question;
        List<(string, float)> expected;
        long generation;
        using (var reader = IndexReader.Open(dir.FullPath))
        {
            expected = new Bm25Searcher(reader).Search(question, 5).Select(h => (h.Pmid, h.Score)).ToList();
            generation = reader.Manifest.Generation;
        }

        int committedDocs = RunAndKill(mode, dir.FullPath, linesBeforeKill);

        using (var reader = IndexReader.Open(dir.FullPath))
        {
            var searcher = new Bm25Searcher(reader);
            if (mode == "rebuild-forever")
            {
                // The rebuild never committed: the old generation answers exactly as before.
                Assert.Equal(generation, reader.Manifest.Generation);
                Assert.Equal(expected, searcher.Search(question, 5).Select(h => (h.Pmid, h.Score)));
            }
            else
            {
                // Some commits landed: a complete later generation, never a partial one.
                Assert.True(reader.Manifest.Generation > generation);
                // At least what the child reported, possibly a few commits more (it runs on until killed), and
                // always whole commits of 100 documents.
                Assert.True(reader.LiveDocCount - 300 >= committedDocs, $"{reader.LiveDocCount - 300} < {committedDocs}");
                Assert.Equal(0, (reader.LiveDocCount - 300) % 100);
                Assert.Equal(PubMedQa.All[42].Pmid, searcher.Search(question, 5)[0].Pmid);
                Assert.NotEmpty(searcher.Search("zebrafish cardiomyocyte regeneration", 5));
            }
        }
        // A new writer takes over, removes the dead writer's orphan files and commits.
        using (var writer = IndexWriter.Open(dir.FullPath))
        {
            writer.Upsert(new SelfSpec.Retrieval.Corpus.PubmedArticle("after-crash", "", "postmortem marker", "", null, []));
            writer.Commit();
        }
        using (var reader = IndexReader.Open(dir.FullPath))
        {
            Assert.Equal("after-crash", new Bm25Searcher(reader).Search("postmortem marker", 1).Single().Pmid);
            var referenced = reader.Manifest.ReferencedFiles().Append("write.lock").ToHashSet();
            Assert.All(Directory.GetFiles(dir.FullPath).Select(Path.GetFileName), f => Assert.Contains(f!, referenced));
        }
    }

    // Starts this test assembly as the child (CrashChild.Main), waits for some progress lines, kills it.
    private static int RunAndKill(string mode, string indexDir, int linesBeforeKill)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(typeof(CrashChild).Assembly.Location);
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(indexDir);
        using var child = Process.Start(psi)!;
        int lines = 0, lastCount = 0;
        var deadline = Stopwatch.StartNew();
        while (lines < linesBeforeKill && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var line = child.StandardOutput.ReadLine();
            if (line is null) break;
            lines++;
            lastCount = int.Parse(line.Split(' ')[1]);
        }
        if (child.HasExited) Assert.Fail("child exited early: " + child.StandardError.ReadToEnd());
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
        Assert.Equal(linesBeforeKill, lines);
        return mode == "commit-forever" ? lastCount : 0;
    }
}
