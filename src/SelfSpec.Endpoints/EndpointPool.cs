using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace SelfSpec.Endpoints;

/// <summary>How hard <see cref="EndpointPool"/> tries; the defaults suit a cluster that can lose a server mid-stage.</summary>
public sealed record EndpointPoolOptions
{
    /// <summary>Retries of a request after its first try (each on the healthiest endpoint at that moment).</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The first retry's delay; later ones double (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay between retries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an endpoint's circuit stays open (no requests) after it broke, before one trial request.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Spreads requests over the endpoints of an <see cref="EndpointSpec"/>: at most <see cref="EndpointSpec.Concurrency"/>
/// in flight per endpoint, each request sent to the endpoint with the most free slots whose circuit is closed. Polly 8
/// supplies the resilience: per endpoint a circuit breaker (opened after 2 consecutive-ish failures, half the requests
/// of 30 s failing) around a per-request timeout; around that, retries with exponential backoff on transient errors
/// (connection refused or reset, 5xx, 429, timeout, open circuit), each retry choosing again, so the requests of an
/// endpoint that dies go to the others. A 4xx (<see cref="EndpointRequestException"/>) is not retried. When every retry
/// fails, <see cref="EndpointsExhaustedException"/> names each endpoint and its last error.
/// </summary>
public sealed class EndpointPool : IDisposable
{
    private readonly EndpointState[] _endpoints;
    private readonly ResiliencePipeline _retry;
    private int _rotation;

    /// <summary>Creates clients for every endpoint of <paramref name="spec"/>; <paramref name="apiKey"/> null reads <see cref="EndpointSpec.ApiKeyVariable"/>.</summary>
    public EndpointPool(EndpointSpec spec, EndpointPoolOptions? options = null, string? apiKey = null)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        Options = options ?? new EndpointPoolOptions();
        apiKey ??= Environment.GetEnvironmentVariable(EndpointSpec.ApiKeyVariable);
        _endpoints = spec.Endpoints.Select(u => new EndpointState(new OpenAiEndpoint(u, apiKey), spec, Options)).ToArray();
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(1, Options.MaxRetries),
            Delay = Options.RetryDelay,
            MaxDelay = Options.MaxRetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<EndpointUnavailableException>().Handle<BrokenCircuitException>()
                .Handle<TimeoutRejectedException>().Handle<NoEndpointAvailableException>(),
        }).Build();
    }

    /// <summary>The spec the pool serves.</summary>
    public EndpointSpec Spec { get; }

    /// <summary>The retry and circuit settings.</summary>
    public EndpointPoolOptions Options { get; }

    /// <summary>Requests each endpoint completed, in spec order (for logs and tests).</summary>
    public IReadOnlyList<(Uri Endpoint, long Completed, long Failed)> Counts =>
        _endpoints.Select(e => (e.Client.BaseUrl, Interlocked.Read(ref e.Completed), Interlocked.Read(ref e.Failed))).ToList();

    /// <summary>Runs <paramref name="call"/> on one endpoint, with the pool's spreading, timeout, circuit breakers and retries.</summary>
    public async Task<T> SendAsync<T>(Func<OpenAiEndpoint, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await _retry.ExecuteAsync(async ct => await SendOnceAsync(call, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndpointUnavailableException or BrokenCircuitException or TimeoutRejectedException or NoEndpointAvailableException)
        {
            var states = string.Join("; ", _endpoints.Select(s => $"{s.Client.BaseUrl} ({s.LastError ?? "no error"})"));
            throw new EndpointsExhaustedException(
                $"no endpoint answered after {Options.MaxRetries + 1} tries: {states}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> once on every endpoint (each with its own retries), e.g. to register an adapter
    /// everywhere. Returns the endpoints where it failed with their errors; throws only when it failed on all of them
    /// (an endpoint that is down keeps no requests: the pool sends them to the others). A 4xx is thrown as it is.
    /// </summary>
    public async Task<IReadOnlyList<(Uri Endpoint, string Error)>> BroadcastAsync(Func<OpenAiEndpoint, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var failures = await Task.WhenAll(_endpoints.Select(async state =>
        {
            try
            {
                await _retry.ExecuteAsync(async ct =>
                {
                    await state.Pipeline.ExecuteAsync(async token => { await call(state.Client, token).ConfigureAwait(false); }, ct).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                return ((Uri, string)?)null;
            }
            catch (Exception e) when (e is EndpointUnavailableException or BrokenCircuitException or TimeoutRejectedException)
            {
                state.LastError = e.Message;
                state.LastFailure = DateTime.UtcNow;
                return (state.Client.BaseUrl, e.Message);
            }
        })).ConfigureAwait(false);
        var failed = failures.OfType<(Uri, string)>().ToList();
        if (failed.Count == _endpoints.Length)
            throw new EndpointsExhaustedException($"no endpoint answered after {Options.MaxRetries + 1} tries: {string.Join("; ", failed.Select(f => $"{f.Item1} ({f.Item2})"))}");
        return failed;
    }

    private async ValueTask<T> SendOnceAsync<T>(Func<OpenAiEndpoint, CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var state = Choose();
        await state.Slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var result = await state.Pipeline.ExecuteAsync(async token => await call(state.Client, token).ConfigureAwait(false), ct).ConfigureAwait(false);
            Interlocked.Increment(ref state.Completed);
            state.LastFailure = null;
            return result;
        }
        catch (Exception e) when (e is EndpointUnavailableException or TimeoutRejectedException or BrokenCircuitException)
        {
            Interlocked.Increment(ref state.Failed);
            state.LastError = e.Message;
            state.LastFailure = DateTime.UtcNow;
            throw;
        }
        finally
        {
            state.Slots.Release();
        }
    }

    /// <summary>
    /// The endpoint for the next try: circuits closed (or half-open) first, then not failed in the last break duration,
    /// then the most free slots; ties rotate so equal endpoints share the load.
    /// </summary>
    private EndpointState Choose()
    {
        var start = Interlocked.Increment(ref _rotation);
        EndpointState? best = null;
        var bestRank = (-1, -1, -1);
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var state = _endpoints[(start + i) % _endpoints.Length];
            if (state.Circuit.CircuitState is CircuitState.Open or CircuitState.Isolated) continue;
            var recentlyFailed = state.LastFailure is { } at && DateTime.UtcNow - at < Options.BreakDuration;
            var rank = (state.Circuit.CircuitState == CircuitState.Closed ? 1 : 0, recentlyFailed ? 0 : 1, state.Slots.CurrentCount);
            if (rank.CompareTo(bestRank) > 0) { best = state; bestRank = rank; }
        }
        return best ?? throw new NoEndpointAvailableException(string.Join(", ", _endpoints.Select(e => e.Client.BaseUrl)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var e in _endpoints) e.Dispose();
    }

    private sealed class EndpointState : IDisposable
    {
        public long Completed;
        public long Failed;

        public EndpointState(OpenAiEndpoint client, EndpointSpec spec, EndpointPoolOptions options)
        {
            Client = client;
            Slots = new SemaphoreSlim(spec.Concurrency, spec.Concurrency);
            Pipeline = new ResiliencePipelineBuilder()
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 2,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = options.BreakDuration,
                    StateProvider = Circuit,
                    ShouldHandle = new PredicateBuilder().Handle<EndpointUnavailableException>().Handle<TimeoutRejectedException>(),
                })
                .AddTimeout(spec.RequestTimeout)
                .Build();
        }

        public OpenAiEndpoint Client { get; }
        public SemaphoreSlim Slots { get; }
        public CircuitBreakerStateProvider Circuit { get; } = new();
        public ResiliencePipeline Pipeline { get; }
        public string? LastError { get; set; }
        public DateTime? LastFailure { get; set; }

        public void Dispose()
        {
            Client.Dispose();
            Slots.Dispose();
        }
    }
}

/// <summary>Every endpoint's circuit is open right now (retried after a delay).</summary>
internal sealed class NoEndpointAvailableException(string endpoints) : Exception($"every endpoint's circuit is open: {endpoints}");
