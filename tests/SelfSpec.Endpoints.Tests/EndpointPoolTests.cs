using System.Net;
using System.Net.Sockets;
using SelfSpec.Endpoints;

namespace SelfSpec.Endpoints.Tests;

/// <summary>The pool's resilience against a port nobody listens on (a real refused connection).</summary>
public sealed class EndpointPoolTests
{
    /// <summary>A local port that was free a moment ago (nothing listens on it).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task AnEndpointThatIsDownFailsAfterTheRetriesNamingIt()
    {
        var url = $"http://127.0.0.1:{FreePort()}/v1";
        using var pool = new EndpointPool(EndpointSpec.Parse("openai:" + url + "#m"),
            new EndpointPoolOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50) });
        var e = await Assert.ThrowsAsync<EndpointsExhaustedException>(() => pool.SendAsync((c, t) => c.ListModelsAsync(t), CancellationToken.None));
        Assert.Contains("no endpoint answered after 4 tries", e.Message);
        Assert.Contains(url + "/", e.Message);
        Assert.Equal(0, pool.Counts.Single().Completed);
        Assert.True(pool.Counts.Single().Failed >= 2);
    }

    [Fact]
    public async Task CancellationIsNotRetried()
    {
        using var pool = new EndpointPool(EndpointSpec.Parse($"openai:http://127.0.0.1:{FreePort()}/v1#m"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.SendAsync((c, t) => c.ListModelsAsync(t), cts.Token));
    }
}
