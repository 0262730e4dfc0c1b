using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace SelfSpec.Server.Studio;

/// <summary>
/// Serves Studio's files, preferring the <c>.br</c>/<c>.gz</c> copies the package ships when the browser accepts them.
/// Only paths inside the package folder are served.
/// </summary>
internal sealed class StudioFiles(StudioPackage package)
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = CreateContentTypes();

    private static FileExtensionContentTypeProvider CreateContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".dat"] = "application/octet-stream";
        provider.Mappings[".wasm"] = "application/wasm";
        provider.Mappings[".blat"] = "application/octet-stream";
        provider.Mappings[".dll"] = "application/octet-stream";
        provider.Mappings[".webcil"] = "application/octet-stream";
        provider.Mappings[".pdb"] = "application/octet-stream";
        provider.Mappings[".mjs"] = "text/javascript";
        provider.Mappings[".json"] = "application/json";
        return provider;
    }

    /// <summary>Sends <paramref name="relativePath"/> (below the package folder) or a 404.</summary>
    public IResult Serve(HttpContext context, string relativePath)
    {
        var root = package.Directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (relativePath.Contains("..", StringComparison.Ordinal) || relativePath.Contains('\\') || Path.IsPathRooted(relativePath))
            return Results.NotFound();
        var full = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full)) return Results.NotFound();
        if (!ContentTypes.TryGetContentType(full, out var contentType)) contentType = "application/octet-stream";
        var accepted = context.Request.Headers.AcceptEncoding.ToString();
        var served = full;
        string? encoding = null;
        if (accepted.Contains("br", StringComparison.OrdinalIgnoreCase) && File.Exists(full + ".br")) (served, encoding) = (full + ".br", "br");
        else if (accepted.Contains("gzip", StringComparison.OrdinalIgnoreCase) && File.Exists(full + ".gz")) (served, encoding) = (full + ".gz", "gzip");
        context.Response.Headers.Vary = "Accept-Encoding";
        context.Response.Headers.CacheControl = "no-cache";
        if (encoding is not null) context.Response.Headers.ContentEncoding = encoding;
        var info = new FileInfo(served);
        var tag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}{(encoding is null ? "" : "-" + encoding)}\"");
        return Results.File(served, contentType, lastModified: info.LastWriteTimeUtc, entityTag: tag);
    }
}
