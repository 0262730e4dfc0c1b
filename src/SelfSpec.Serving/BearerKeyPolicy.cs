using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>
/// Who may call the API: without a key the server binds to loopback only; with a key every <c>/v1</c> call must carry
/// <c>Authorization: Bearer KEY</c>, what the OpenAI SDKs send (401 otherwise).
/// </summary>
public static class BearerKeyPolicy
{
    /// <summary>Throws when <paramref name="host"/> is not a loopback address and there is no key.</summary>
    public static void CheckBinding(string host, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey) || IsLoopback(host)) return;
        throw new InvalidOperationException(
            $"refusing to listen on {host} without an API key: anyone who can reach it could use the model. " +
            $"Pass --api-key KEY (or set {ServeOptions.ApiKeyVariable}), or listen on 127.0.0.1.");
    }

    /// <summary>True for <c>localhost</c>, 127.0.0.0/8 and <c>::1</c>.</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Whether the request carries the key (compared in constant time).</summary>
    public static bool IsAuthorized(HttpRequest request, string apiKey)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(apiKey));
    }
}
