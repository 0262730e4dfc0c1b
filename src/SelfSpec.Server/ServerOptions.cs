namespace SelfSpec.Server;

/// <summary>How <see cref="DesignerServer"/> is hosted: where it listens, the API key, and where Studio and the workflow files are.</summary>
public sealed class ServerOptions
{
    /// <summary>The default address: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>The environment variable holding the API key when <see cref="ApiKey"/> is not given.</summary>
    public const string ApiKeyVariable = "SELFSPEC_API_KEY";

    /// <summary>Addresses to listen on, separated by <c>;</c> (ASP.NET Core's <c>--urls</c> syntax).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>The key every API call must carry as <c>Authorization: ApiKey &lt;key&gt;</c>; null = no key (loopback only).</summary>
    public string? ApiKey { get; init; }

    /// <summary>The unpacked Studio package (holding <c>_framework/</c>); null = the pages say how to fetch it.</summary>
    public string? StudioDirectory { get; init; }

    /// <summary>A folder of workflow JSON files imported on start when their definition is not stored yet; null = none.</summary>
    public string? WorkflowsDirectory { get; init; }

    /// <summary>The largest request body accepted, in bytes (larger → 413).</summary>
    public long MaxRequestBytes { get; init; } = 4 * 1024 * 1024;
}
