using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Resilience;

/// <summary>
/// How an activity is retried. Declared per activity in the definition, either by name as Elsa does
/// (<c>customProperties.resilienceStrategy: {"mode": "Identifier", "strategyId": "gpu"}</c>, resolved in
/// <see cref="ResilienceCatalog"/>) or inline (<c>customProperties.resilience: {"maxRetries": 3, "baseDelayMs": 500,
/// "timeoutSeconds": 600, "halveBatchOnResourceExhausted": true, "minBatchSize": 1}</c>).
/// </summary>
public sealed record ResilienceSettings
{
    /// <summary>No retries, no timeout (Elsa's default).</summary>
    public static readonly ResilienceSettings None = new();

    /// <summary>Retries after a transient failure (0 = none).</summary>
    public int MaxRetries { get; init; }

    /// <summary>The first retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The time limit of one attempt; null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>On <see cref="ResourceExhaustedException"/>, retry with the batch size halved.</summary>
    public bool HalveBatchOnResourceExhausted { get; init; }

    /// <summary>The smallest batch size tried before giving up.</summary>
    public int MinBatchSize { get; init; } = 1;

    /// <summary>Reads the inline JSON form; unknown keys are ignored.</summary>
    public static ResilienceSettings FromJson(JsonObject o, ResilienceSettings? basis = null)
    {
        var s = basis ?? new ResilienceSettings();
        if (Num(o, "maxRetries") is { } r) s = s with { MaxRetries = (int)r };
        if (Num(o, "baseDelayMs") is { } d) s = s with { BaseDelay = TimeSpan.FromMilliseconds(d) };
        if (Num(o, "maxDelayMs") is { } md) s = s with { MaxDelay = TimeSpan.FromMilliseconds(md) };
        if (Num(o, "timeoutSeconds") is { } t) s = s with { Timeout = TimeSpan.FromSeconds(t) };
        if (o["halveBatchOnResourceExhausted"] is JsonValue h && h.TryGetValue<bool>(out var halve)) s = s with { HalveBatchOnResourceExhausted = halve };
        if (Num(o, "minBatchSize") is { } m) s = s with { MinBatchSize = Math.Max(1, (int)m) };
        return s;
    }

    private static double? Num(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}

/// <summary>
/// Named resilience strategies that definitions refer to by <c>strategyId</c>. Built in: <c>none</c>;
/// <c>retry</c> (3 retries, 1 s exponential backoff with jitter); <c>gpu</c> (halve the batch on out-of-memory,
/// plus 2 transient retries). Add or replace entries in code or configuration.
/// </summary>
public sealed class ResilienceCatalog
{
    private readonly Dictionary<string, ResilienceSettings> _strategies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = ResilienceSettings.None,
        ["retry"] = new ResilienceSettings { MaxRetries = 3, BaseDelay = TimeSpan.FromSeconds(1) },
        ["gpu"] = new ResilienceSettings { MaxRetries = 2, BaseDelay = TimeSpan.FromSeconds(5), HalveBatchOnResourceExhausted = true },
    };

    /// <summary>The strategy used when an activity declares none.</summary>
    public ResilienceSettings Default { get; set; } = ResilienceSettings.None;

    /// <summary>Adds or replaces a named strategy.</summary>
    public ResilienceCatalog Set(string id, ResilienceSettings settings)
    {
        _strategies[id] = settings;
        return this;
    }

    /// <summary>
    /// Adds the strategies of a configuration file: <c>{"gpu": {"halveBatchOnResourceExhausted": true, "maxRetries": 2}, "default": {...}}</c>.
    /// Each value is the inline form of <see cref="ResilienceSettings.FromJson"/>, applied over the built-in strategy of that name if any;
    /// <c>default</c> sets the strategy of activities that declare none.
    /// </summary>
    public ResilienceCatalog Load(JsonObject configuration)
    {
        foreach (var (id, value) in configuration)
        {
            if (value is not JsonObject settings) throw new FormatException($"resilience configuration: '{id}' must be an object");
            if (id == "default") Default = ResilienceSettings.FromJson(settings, Default);
            else Set(id, ResilienceSettings.FromJson(settings, Find(id)));
        }
        return this;
    }

    /// <summary>The named strategy, or null.</summary>
    public ResilienceSettings? Find(string id) => _strategies.GetValueOrDefault(id);

    /// <summary>The strategy an activity declares in its <paramref name="customProperties"/>.</summary>
    public ResilienceSettings Resolve(JsonObject customProperties)
    {
        var settings = Default;
        if (customProperties["resilienceStrategy"] is JsonObject declared
            && declared["strategyId"] is JsonValue id && id.TryGetValue<string>(out var strategyId) && !string.IsNullOrEmpty(strategyId))
            settings = Find(strategyId) ?? throw new InvalidOperationException($"unknown resilience strategy '{strategyId}'");
        if (customProperties["resilience"] is JsonObject inline)
            settings = ResilienceSettings.FromJson(inline, settings);
        return settings;
    }
}
