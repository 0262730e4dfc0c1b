using System.Text.Json;
using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>
/// transformers.js (npm, version pinned in <c>node/package.json</c>), installed on first use into
/// <c>&lt;repo&gt;/.selfspec/npm/transformers-js</c> under a file lock, and run as a child process.
/// </summary>
public static class TransformersJs
{
    private static readonly Lazy<string> InstallDirLazy = new(Install);

    public sealed record Result(int[] Ids, int[] IdsWithSpecial, string Decoded, string DecodedSkipSpecial);

    /// <summary>Encodes <paramref name="texts"/> with transformers.js loading the tokenizer folder <paramref name="tokenizerDir"/>.</summary>
    public static IReadOnlyList<Result> Encode(string tokenizerDir, IReadOnlyList<string> texts)
    {
        var dir = InstallDirLazy.Value;
        var request = JsonSerializer.Serialize(new { texts });
        var r = ChildProcess.Run(ExternalReference.RequireNode(), [Path.Combine(dir, "encode.mjs"), tokenizerDir], workingDirectory: dir, stdin: request,
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.EnumerateArray().Select(e => new Result(
            e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("ids_with_special").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("decoded").GetString()!, e.GetProperty("decoded_skip_special").GetString()!)).ToList();
    }

    /// <summary>
    /// Token offsets from the Hugging Face Rust library (npm <c>tokenizers</c>), converted from code points to UTF-16 indices.
    /// </summary>
    public static IReadOnlyList<(int[] Ids, (int, int)[] Offsets)> RustOffsets(string tokenizerJson, IReadOnlyList<string> texts)
    {
        var dir = InstallDirLazy.Value;
        var r = ChildProcess.Run(ExternalReference.RequireNode(), [Path.Combine(dir, "offsets.cjs"), tokenizerJson], workingDirectory: dir,
            stdin: JsonSerializer.Serialize(new { texts }), timeout: TimeSpan.FromMinutes(3));
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.EnumerateArray().Select((e, i) =>
        {
            var utf16 = CodePointToUtf16(texts[i]);
            return (e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                e.GetProperty("offsets").EnumerateArray().Select(o => (utf16[o[0].GetInt32()], utf16[o[1].GetInt32()])).ToArray());
        }).ToList();
    }

    private static int[] CodePointToUtf16(string text)
    {
        var map = new List<int>();
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1) map.Add(i);
        map.Add(text.Length);
        return map.ToArray();
    }

    /// <summary>The folder holding node_modules and our scripts.</summary>
    public static string InstallDir => InstallDirLazy.Value;

    // --ignore-scripts: the onnxruntime-node install script downloads binaries; tokenization does not need them.
    private static string Install() => NpmTestPackage.Install("transformers-js", Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Tokenizers.Tests", "node"),
        Path.Combine("@huggingface", "transformers", "package.json"), ignoreScripts: true);
}
