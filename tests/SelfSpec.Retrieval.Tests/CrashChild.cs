using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;

namespace SelfSpec.Retrieval.Tests;

/// <summary>
/// Entry point of this test assembly when it runs as the crash test's child process
/// (<c>dotnet exec SelfSpec.Retrieval.Tests.dll MODE INDEX_DIR</c>); the crash tests kill it mid-work.
/// </summary>
public static class CrashChild
{
    public static int Main(string[] args)
    {
        if (args.Length < 2) return 2;
        var dir = args[1];
        switch (args[0])
        {
            case "rebuild-forever":
            {
                // A full rebuild (Create) that writes and merges segments but is killed before its commit.
                using var writer = IndexWriter.Open(dir, new IndexWriterOptions { Create = true, MaxBufferedDocs = 300, MergeFactor = 3 });
                for (int i = 0; ; i++)
                {
                    writer.Upsert(Synthetic(i));
                    if (i % 300 == 299)
                    {
                        if (i % 1500 == 1499) writer.ForceMerge();
                        Console.WriteLine("flushed " + (i + 1));
                        Console.Out.Flush();
                    }
                }
            }
            case "commit-forever":
            {
                // Incremental adds with a commit every 100 documents.
                using var writer = IndexWriter.Open(dir, new IndexWriterOptions { MaxBufferedDocs = 100, MergeFactor = 3 });
                for (int i = 0; ; i++)
                {
                    writer.Upsert(Synthetic(1_000_000 + i));
                    if (i % 100 == 99)
                    {
                        writer.Commit();
                        Console.WriteLine("committed " + (i + 1));
                        Console.Out.Flush();
                    }
                }
            }
            default:
                return 2;
        }
    }

    public static PubmedArticle Synthetic(int i) =>
        new($"S{i}", $"Synthetic article {i}", $"crashtestword{i % 97} zebrafish cardiomyocyte regeneration study number {i} " +
            string.Join(' ', Enumerable.Range(0, 40).Select(j => $"w{(i * 31 + j * 7) % 1000}")), "", 2024, []);
}
