using System.Collections.Concurrent;
using System.Text.Json;
using SelfSpec.TestSupport;

namespace SelfSpec.Tokenizers.Tests;

/// <summary>One line of a fixture <c>cases.jsonl</c> (computed by transformers.js 4.3.1).</summary>
public sealed record FixtureCase(string Case, string Text, int[] Ids, int[] IdsWithSpecial, string[] Tokens, string Decoded);

/// <summary>The reference tokenizers in <c>../shared/fixtures/tokenizers</c>, loaded once per test run.</summary>
public static class Fixtures
{
    public static readonly string[] Names = ["gpt2", "llama2", "llama2-metaspace", "llama3"];

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();

    public static string Directory(string name) => Paths.Fixture("tokenizers", name);

    public static Tokenizer Load(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<Tokenizer>(() => Tokenizer.FromDirectory(Directory(n)))).Value;

    public static IReadOnlyList<FixtureCase> Cases(string name) =>
        File.ReadAllLines(Path.Combine(Directory(name), "cases.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l =>
            {
                var e = JsonDocument.Parse(l).RootElement;
                return new FixtureCase(e.GetProperty("case").GetString()!, e.GetProperty("text").GetString()!,
                    e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                    e.GetProperty("ids_with_special").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                    e.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray(),
                    e.GetProperty("decoded").GetString()!);
            })
            .ToList();

    /// <summary>(tokenizer, case) pairs for xunit theories.</summary>
    public static IEnumerable<object[]> AllCases() =>
        Names.SelectMany(n => Cases(n).Select(c => new object[] { n, c.Case }));
}
