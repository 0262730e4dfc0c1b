using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Server.Security;

/// <summary>
/// Who may call the API: without a key the server binds to loopback only; with a key every <c>/elsa/api</c> call must
/// carry <c>Authorization: ApiKey &lt;key&gt;</c> (401 otherwise).
/// </summary>
public static class ApiKeyPolicy
{
    /// <summary>Throws when <paramref name="urls"/> names a non-loopback address and there is no key.</summary>
    public static void CheckBinding(string urls, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey)) return;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!IsLoopback(url))
                throw new InvalidOperationException(
                    $"refusing to listen on {url} without an API key: anyone who can reach it could edit and run workflows. " +
                    $"Pass --api-key KEY (or set ${ServerOptions.ApiKeyVariable}), or listen on 127.0.0.1.");
    }

    /// <summary>True for <c>localhost</c>, 127.0.0.0/8 and <c>::1</c>.</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            throw new InvalidOperationException($"'{url}' is not a URL such as http://127.0.0.1:5000");
        if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>Whether the request carries the key (compared in constant time).</summary>
    public static bool IsAuthorized(HttpRequest request, string apiKey)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "ApiKey ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(apiKey));
    }
}
