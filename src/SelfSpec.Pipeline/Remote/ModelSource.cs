using SelfSpec.Endpoints;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// What a <c>model</c> input names: a local model folder, or OpenAI-compatible endpoints (<see cref="EndpointSpec"/>,
/// <c>openai:URL[;URL...][#MODEL&amp;weights=FOLDER]</c>). Errors name the input.
/// </summary>
public static class ModelSource
{
    /// <summary>True when <paramref name="model"/> is written as an endpoint spec.</summary>
    public static bool IsRemote(string? model) => EndpointSpec.IsSpec(model);

    /// <summary>
    /// True when <paramref name="model"/> is not an existing folder but starts like a URL scheme other than <c>openai:</c>
    /// (<c>vllm:http://…</c>, <c>http://…</c>): parsing it as a spec then names the unknown scheme instead of reporting a missing folder.
    /// </summary>
    public static bool HasForeignScheme(string? model) =>
        !string.IsNullOrWhiteSpace(model) && !IsRemote(model) && !Directory.Exists(model)
        && System.Text.RegularExpressions.Regex.IsMatch(model.Trim(), "^[A-Za-z][A-Za-z0-9+.-]+:");

    /// <summary>Parses an endpoint spec, as a <see cref="PipelineException"/> naming <paramref name="field"/> when it is wrong.</summary>
    public static EndpointSpec ParseRemote(string model, string field)
    {
        try { return EndpointSpec.Parse(model, field); }
        catch (EndpointSpecException e) { throw new PipelineException(e.Message, field: field, inner: e); }
    }

    /// <summary>
    /// The local weights folder of <paramref name="model"/> for the stages that run in process (training): the folder
    /// itself, or the spec's <c>weights=</c> part; a spec without one is a clear error.
    /// </summary>
    public static string LocalWeights(string model, string field)
    {
        if (!IsRemote(model)) return Path.GetFullPath(model);
        var spec = ParseRemote(model, field);
        return spec.Weights ?? throw new PipelineException(
            $"'{spec.DisplayName}' is served by endpoints, but this stage runs in process and needs the same weights locally: " +
            "add weights=FOLDER to the spec (openai:URL[;URL...]#MODEL&weights=/models/the-base-model)", field: field);
    }

    /// <summary>A short stable name for artifact footers: a folder's last segment, or the spec's <c>openai:MODEL</c> (no URLs, no key).</summary>
    public static string? NameOf(string? model)
    {
        if (string.IsNullOrWhiteSpace(model)) return null;
        if (IsRemote(model))
        {
            try { return EndpointSpec.Parse(model).DisplayName; }
            catch (EndpointSpecException) { return EndpointSpec.Scheme; }
        }
        return Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model)));
    }
}
