using System.Security.Cryptography;
using System.Text;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// Where a generating activity keeps its <see cref="RowJournal{T}"/>: under its resume folder
/// (<see cref="ActivityExecutionContext.ResumeDirectory"/>, kept across Ctrl-C, crashes and <c>selfspec runs resume</c>)
/// in a subfolder named by a digest of everything that shapes the rows, so changed settings never reuse stale rows.
/// </summary>
public static class RemoteJournal
{
    /// <summary>The journal file <paramref name="fileName"/> for the settings <paramref name="key"/>.</summary>
    public static string PathFor(ActivityExecutionContext context, string fileName, params string?[] key)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", key))))[..16];
        return Path.Combine(context.ResumeDirectory, "remote-" + digest, fileName);
    }

    /// <summary>Deletes the activity's journals once its artifact is written.</summary>
    public static void Delete(ActivityExecutionContext context)
    {
        foreach (var dir in Directory.GetDirectories(context.ResumeDirectory, "remote-*"))
            Directory.Delete(dir, recursive: true);
    }
}
