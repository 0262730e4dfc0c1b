using System.Reflection;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Seeds;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>The pipeline's CLI commands, run as a real <c>selfspec</c> child process.</summary>
public class CliTests
{
    [Fact]
    public void SelfspecReferencesThePipelineAssemblySoTheRuntimeDiscoversItsActivities()
    {
        // The workflow CLI builds its registry from the SelfSpec.* assemblies selfspec.dll references; the compiler only
        // keeps references that are used, which PipelineCommands guarantees.
        var references = AssemblyName.GetAssemblyName(SelfSpecCli.DllPath);
        var cli = Assembly.LoadFrom(SelfSpecCli.DllPath);
        Assert.Equal("selfspec", references.Name);
        Assert.Contains(cli.GetReferencedAssemblies(), a => a.Name == "SelfSpec.Pipeline");
    }

    [Fact]
    public void SeedsValidateAcceptsTheDemoSeedsAndListsEveryBadRow()
    {
        var ok = SelfSpecCli.Run("seeds", "validate", Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("80 seeds", ok.StdOut);

        using var dir = new TempDir("selfspec-cli-");
        var bad = dir.Combine("bad.csv");
        File.WriteAllText(bad, "definition,input,output\nDo X.,,\n,in,out\n");
        var failed = SelfSpecCli.Run("seeds", "validate", bad);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("bad.csv, row 2, field 'output': is empty", failed.StdOut.Replace("\n", ""));
        Assert.Contains("bad.csv, row 3, field 'definition': is empty", failed.StdOut.Replace("\n", ""));
    }

    [Fact]
    public void PromptsInstructionPrintsTheExactPromptForAPromptId()
    {
        var seedsFile = Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");
        var result = SelfSpecCli.Run("prompts", "instruction", "--seeds", seedsFile, "--prompt-id", "5", "--seed", "9", "--domain", "clinical");
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = new InstructionGenerationPrompt("clinical").Build(new SeedSampler(SeedReader.Read(seedsFile), 9).ForPrompt(5)) + "\n";
        Assert.Equal(expected, result.StdOut);
    }
    [Fact]
    public void RunsVerifyListsADamagedArtifactWithTheCommandThatRecomputesItAndTheNextRunRecomputesIt()
    {
        using var dir = new TempDir("selfspec-cli-verify-");
        var env = new Dictionary<string, string> { ["COLUMNS"] = "250", ["SELFSPEC_HOME"] = dir.FullPath };
        var workflow = dir.Combine("iterate.json");
        File.WriteAllText(workflow, SelfSpec.Workflows.Definitions.WorkflowDefinitionSerializer.Write(Support.PipelineHost.Chain(
            ("iterate", "SelfSpec.Iterate", [("model", Support.PipelineHost.Lit(Paths.Fixture("llama", "tiny-llama"), "String")),
                ("adapter", Support.PipelineHost.Lit(Paths.Fixture("llama", "tiny-lora"), "String"))], ["record"]))));
        var first = SelfSpecCli.Run(["run", workflow], dir.FullPath, env, TimeSpan.FromMinutes(3));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("✔ intact", Plain(first.StdOut)); // the artifact table shows the files as verified now
        var intact = SelfSpecCli.Run(["runs", "verify"], dir.FullPath, env);
        Assert.True(intact.ExitCode == 0, intact.ToString());
        Assert.Contains("all intact", Plain(intact.StdOut));

        var file = Directory.GetFiles(dir.Combine("runs"), "iteration.json", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(file, bytes);
        var damaged = SelfSpecCli.Run(["runs", "verify"], dir.FullPath, env);
        Assert.Equal(1, damaged.ExitCode);
        var text = Plain(damaged.StdOut).Replace("\n", " ");
        Assert.Contains("activity iterate", text);
        Assert.Contains(file + ": content changed (expected xxh128 of bytes 0-", text);
        Assert.Contains("recompute it and what follows: selfspec run iterate.json --force iterate", text);

        var again = SelfSpecCli.Run(["run", workflow], dir.FullPath, env, TimeSpan.FromMinutes(3));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("not reused", Plain(again.StdOut));
        Assert.DoesNotContain("✘ ContentChanged", Plain(again.StdOut));
        // The damaged file stays in the first run's folder: verify still flags that run, while the new run is intact.
        var newest = Directory.GetDirectories(dir.Combine("runs")).Select(Path.GetFileName).Single(d => !file.Contains(d!, StringComparison.Ordinal))!;
        var fresh = SelfSpecCli.Run(["runs", "verify", newest], dir.FullPath, env);
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
    }

    /// <summary>Console output without its colour and style escapes.</summary>
    private static string Plain(string output) => System.Text.RegularExpressions.Regex.Replace(output, "\u001b\\[[0-9;]*m", "");
}
