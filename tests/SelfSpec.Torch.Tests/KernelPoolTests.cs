namespace SelfSpec.Torch.Tests;

/// <summary>
/// The shim's kernel thread pool (LinearRows, decode attention and the fused norms run on it): results do not depend on
/// how many threads take part, on callers racing for the pool, or on whether its workers spin or sleep.
/// Runs alone: it changes the process-wide thread count and spin time.
/// </summary>
[Collection(nameof(MemoryAndErrorTests))]
public class KernelPoolTests
{
    private static float[] Run(Tensor x, Tensor w, Tensor b) => Functional.LinearRows(x, w, b).ToArray<float>();

    /// <summary>Sets the process-wide thread count and spin time for a test and restores them afterwards.</summary>
    private sealed class PoolSettings : IDisposable
    {
        private readonly int threads = Torch.Threads;
        private readonly long spin = Torch.KernelSpinMicroseconds;

        public PoolSettings(int threads) => Torch.Threads = threads;

        public void Dispose()
        {
            Torch.KernelSpinMicroseconds = spin;
            Torch.Threads = threads;
        }
    }

    [Fact]
    public void ResultsAreTheSameOnOneAndOnTwoThreads()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        var x = Tensor.Randn([8, 768], g);
        var w = Tensor.Randn([2048, 768], g);
        var b = Tensor.Randn([2048], g);
        using var settings = new PoolSettings(1);
        var one = Run(x, w, b);
        Torch.Threads = 2;
        Assert.Equal(2, Torch.ShimThreads);
        for (var i = 0; i < 20; i++) Assert.Equal(one, Run(x, w, b));
    }

    [Fact]
    public void CallersOnSeveralThreadsAtOnceGetTheirOwnResults()
    {
        // One caller holds the pool; the others meanwhile run their kernels on their own thread. Every caller must get
        // exactly what it gets alone.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(6);
        var w = Tensor.Randn([1024, 512], g);
        var b = Tensor.Randn([1024], g);
        var inputs = Enumerable.Range(0, 6).Select(_ => Tensor.Randn([4, 512], g)).ToArray();
        var q = Tensor.Randn([2, 8, 64], g);
        var k = Tensor.Randn([2, 8, 50, 64], g);
        var v = Tensor.Randn([2, 8, 50, 64], g);
        var alone = inputs.Select(x => Run(x, w, b)).ToArray();
        var attentionAlone = Functional.DecodeAttention(q, k, v, null, 0.125).ToArray<float>();
        using var settings = new PoolSettings(2);
        var failures = 0;
        var threads = inputs.Select((x, i) => new Thread(() =>
        {
            for (var r = 0; r < 40; r++)
            {
                using var inner = DisposeScope.Begin();
                if (!Run(x, w, b).SequenceEqual(alone[i])) Interlocked.Increment(ref failures);
                if (!Functional.DecodeAttention(q, k, v, null, 0.125).ToArray<float>().SequenceEqual(attentionAlone)) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Equal(0, failures);
    }

    [Fact]
    public void WorkersThatSleepAtOnceStillTakePart()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(7);
        var x = Tensor.Randn([8, 256], g);
        var w = Tensor.Randn([600, 256], g);
        var b = Tensor.Randn([600], g);
        using var settings = new PoolSettings(2);
        var spinning = Run(x, w, b);
        Torch.KernelSpinMicroseconds = 0;
        Assert.Equal(0, Torch.KernelSpinMicroseconds);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(spinning, Run(x, w, b));
            Thread.Sleep(1); // let the worker fall asleep between calls
        }
        Assert.Equal(2, Torch.ShimThreads);
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.KernelSpinMicroseconds = -1);
    }
}
