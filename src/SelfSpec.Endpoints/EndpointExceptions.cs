namespace SelfSpec.Endpoints;

/// <summary>
/// An endpoint refused a request (HTTP 4xx: bad request, unknown model, missing adapter): the same request would fail
/// again, so it is not retried. The message names the endpoint, the operation and, when the server says so, the request
/// parameter (OpenAI's error shape <c>{"error": {"message", "type", "param", "code"}}</c>).
/// </summary>
public sealed class EndpointRequestException(Uri endpoint, string operation, int status, string serverMessage, string? parameter)
    : Exception($"{endpoint} refused {operation} (HTTP {status}{(parameter is null ? "" : $", parameter '{parameter}'")}): {serverMessage}")
{
    /// <summary>The endpoint that answered.</summary>
    public Uri Endpoint { get; } = endpoint;

    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The request parameter the server blames (OpenAI's <c>param</c>), if any.</summary>
    public string? Parameter { get; } = parameter;

    /// <summary>The server's own message.</summary>
    public string ServerMessage { get; } = serverMessage;
}

/// <summary>An endpoint failed in a way that may pass (connection refused or reset, HTTP 5xx or 429, timeout): retried, on another endpoint when there is one.</summary>
public sealed class EndpointUnavailableException(Uri endpoint, string operation, string problem, Exception? inner = null)
    : Exception($"{endpoint} failed {operation}: {problem}", inner)
{
    /// <summary>The endpoint that failed.</summary>
    public Uri Endpoint { get; } = endpoint;
}

/// <summary>No endpoint could serve a request after every retry; the message names every endpoint and its last error.</summary>
public sealed class EndpointsExhaustedException(string message, Exception? inner = null) : Exception(message, inner);
