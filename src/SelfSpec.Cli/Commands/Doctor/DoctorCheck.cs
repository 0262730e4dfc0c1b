namespace SelfSpec.Cli.Commands.Doctor;

/// <summary>How a doctor check came out.</summary>
public enum CheckStatus
{
    /// <summary>Fine.</summary>
    Ok,
    /// <summary>Works, but slower or narrower than it could be.</summary>
    Warning,
    /// <summary>Broken: something will not run.</summary>
    Failed,
    /// <summary>Informational only (e.g. no GPU on a CPU machine).</summary>
    Info,
}

/// <summary>One line of the doctor report.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Value">What was found.</param>
/// <param name="Fix">How to fix it, for warnings and failures.</param>
public sealed record DoctorCheck(string Name, CheckStatus Status, string Value, string? Fix = null);
