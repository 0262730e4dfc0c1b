namespace SelfSpec.Workflows.Resilience;

/// <summary>
/// Thrown by an activity when a device ran out of memory (CUDA OOM, host allocation failure). Under a strategy
/// with <see cref="ResilienceSettings.HalveBatchOnResourceExhausted"/> the runtime retries with the activity's
/// <see cref="Activities.BatchSizeAttribute"/> input halved. It is never retried as a transient failure.
/// </summary>
public class ResourceExhaustedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ResourceExhaustedException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The batch size that failed, if the thrower knows it.</summary>
    public int? BatchSize { get; init; }
}

/// <summary>Thrown for a failure worth retrying as-is (a flaky network, a busy file), whatever the strategy's filter.</summary>
public class TransientActivityException(string message, Exception? inner = null) : Exception(message, inner);
