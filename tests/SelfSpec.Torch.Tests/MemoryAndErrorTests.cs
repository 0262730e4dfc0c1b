using System.Diagnostics;

namespace SelfSpec.Torch.Tests;

/// <summary>Runs alone: the RSS check would otherwise count what tests of other classes allocate at the same time.</summary>
[CollectionDefinition(nameof(MemoryAndErrorTests), DisableParallelization = true)]
public sealed class MemoryAndErrorCollection;

[Collection(nameof(MemoryAndErrorTests))]
public class MemoryAndErrorTests
{
    [Fact]
    public void DisposeScopeFreesEveryIntermediateSoMemoryStaysFlatOver100000Ops()
    {
        using var keep = Tensor.Randn([256, 256]);
        void Run(int ops)
        {
            for (var i = 0; i < ops / 4; i++)
            {
                using var scope = DisposeScope.Begin();
                var y = keep.Add(1.0).Mul(keep).Silu().Sum(1); // 4 ops, 3 full-size intermediates
                Assert.Equal(4, scope.Count);
            }
        }

        Run(20_000); // warm up allocator caches and the JIT
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = CurrentRss();
        Run(100_000);
        var after = CurrentRss();
        // 25,000 iterations × 3 × 256 KB would be ~19 GB if anything leaked; allow 64 MB of allocator noise.
        Assert.True(after - before < 64L << 20, $"RSS grew from {before >> 20} MB to {after >> 20} MB");
    }

    private static long CurrentRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Process.GetCurrentProcess().WorkingSet64;
    }

    [Fact]
    public void NestedScopesMoveResultsOutwardAndFreeTheRest()
    {
        Tensor kept;
        Tensor dropped;
        using (var outer = DisposeScope.Begin())
        {
            using (var inner = DisposeScope.Begin())
            {
                dropped = Tensor.Ones([2]);
                kept = inner.MoveToOuter(dropped.Add(1.0));
            }
            Assert.True(dropped.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Same(outer, kept.Scope);
            Assert.Equal([2f, 2f], kept.ToArray<float>());
        }
        Assert.True(kept.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => kept.ToArray<float>());

        Tensor owned;
        using (var scope = DisposeScope.Begin()) owned = scope.Detach(Tensor.Zeros([1]));
        Assert.False(owned.IsDisposed);
        owned.Dispose();
        Assert.True(owned.IsDisposed);
    }

    [Fact]
    public void ShapeMismatchBecomesATorchExceptionWithLibtorchsMessage()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.Ones([2, 3]);
        var b = Tensor.Ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Contains("cannot be multiplied", e.Message);
        Assert.Throws<TorchException>(() => a.Add(b));
        Assert.Throws<TorchException>(() => a.View(7));
        // the process and the library keep working
        Assert.Equal(6f, a.Sum().ItemFloat());
    }

    [Fact]
    public void IndexOutOfRangeBecomesATorchIndexException()
    {
        using var scope = DisposeScope.Begin();
        var t = Tensor.Ones([3, 2]);
        var e = Assert.Throws<TorchIndexException>(() => t.IndexSelect(0, Tensor.From([0L, 5L])));
        Assert.Contains("out of range", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<TorchIndexException>(() => t.Select(0, 3));
        Assert.ThrowsAny<TorchException>(() => t.Narrow(1, 1, 5));
        Assert.Equal(3L, t.Size(0));
    }

    [Fact]
    public void WrongDTypesAndDevicesAreReportedNotCrashes()
    {
        using var scope = DisposeScope.Begin();
        var f = Tensor.Ones([2, 2]);
        var i = Tensor.Ones([2, 2], DType.Int64);
        Assert.ThrowsAny<TorchException>(() => f.IndexSelect(0, Tensor.From([0.5f])));
        Assert.ThrowsAny<TorchException>(() => Functional.CrossEntropy(f, Tensor.From([0.0f, 1f])));
        Assert.Throws<ArgumentException>(() => f.CopyFrom<long>([1, 2, 3, 4]));
        if (!Torch.Cuda.IsAvailable)
            Assert.ThrowsAny<TorchException>(() => f.To(Device.Cuda(0)));
        Assert.Equal(DType.Int64, i.DType);
    }

    [Fact]
    public void ThreadCountIsConfigurable()
    {
        var original = Torch.Threads;
        try
        {
            Torch.Threads = 1;
            Assert.Equal(1, Torch.Threads);
        }
        finally
        {
            Torch.Threads = original;
        }
        Assert.Matches(@"^\d+\.\d+", Torch.Version);
    }

    [Fact]
    public void TheShimsOwnKernelsUseTheThreads()
    {
        // The shim's kernel pool follows Torch.Threads, also on threads that never set it.
        var original = Torch.Threads;
        try
        {
            Torch.Threads = 2;
            Assert.Equal(2, Torch.ShimThreads);
            // A thread that never set the count itself (a thread-pool thread running a forward pass) takes it over.
            var onOtherThread = 0;
            var other = new Thread(() => onOtherThread = Torch.ShimThreads);
            other.Start();
            other.Join();
            Assert.Equal(2, onOtherThread);
            Torch.Threads = 1;
            Assert.Equal(1, Torch.ShimThreads);
        }
        finally
        {
            Torch.Threads = original;
        }
    }
}
