using SelfSpec.TestSupport;
using Xunit.Sdk;

namespace SelfSpec.Text.Tests;

// The helper every test uses to reach an external reference: a missing one fails naming the Debian package.
public class ExternalReferenceTests
{
    [Fact]
    public void A_missing_python_module_fails_naming_the_package_and_the_install_command()
    {
        var e = Assert.Throws<FailException>(() => ExternalReference.RequirePython("selfspec_no_such_module", debianPackage: "python3-selfspec-missing"));
        Assert.Contains("'python3-selfspec-missing'", e.Message);
        Assert.Contains("scripts/install-deps.sh test", e.Message);
        Assert.Contains("selfspec_no_such_module", e.Message);
        Assert.DoesNotContain("Traceback", e.Message);
    }

    [Fact]
    public void A_missing_program_fails_naming_the_package()
    {
        var e = Assert.Throws<FailException>(() => ExternalReference.RequireProgram("selfspec-no-such-tool", debianPackage: "selfspec-tools"));
        Assert.Contains("'selfspec-tools'", e.Message);
        Assert.Contains("scripts/install-deps.sh test", e.Message);
    }

    [Fact]
    public void A_present_reference_is_returned()
    {
        Assert.Equal(ExternalReference.DebianPython, ExternalReference.RequirePython("json", debianPackage: "python3"));
        Assert.True(File.Exists(ExternalReference.RequireProgram("sh", debianPackage: "dash")));
    }
}
