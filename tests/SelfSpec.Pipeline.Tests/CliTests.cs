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
}
