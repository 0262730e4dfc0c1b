using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace SelfSpec.Torch.Tests;

/// <summary>ResidentMemory.PageOut over a real memory-mapped file, its residency read back with mincore(2).</summary>
public partial class ResidentMemoryTests
{
    private static readonly long Page = Environment.SystemPageSize;

    [Fact]
    public unsafe void PageOutReclaimsAMappedFilesWholePagesAndKeepsItsContents()
    {
        Assert.True(OperatingSystem.IsLinux(), "the engine runs on Linux");
        // A file on the checkout's disk (not /tmp, which may be tmpfs: its pages can only go to swap).
        var path = Path.Combine(AppContext.BaseDirectory, $"pageout-{Guid.NewGuid():N}.bin");
        const int offset = 100; // the tensor starts and ends inside a page: those two pages must be left alone
        const int floats = 300_000;
        var values = new float[floats];
        var random = new Random(3);
        for (var i = 0; i < floats; i++) values[i] = (float)random.NextDouble();
        try
        {
            using (var file = File.Create(path))
            {
                file.Write(new byte[offset]);
                file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
                file.Flush(flushToDisk: true); // clean pages, as a checkpoint's are: dirty ones wait for writeback
            }
            using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            try
            {
                var start = (long)basePointer + offset;
                using var tensor = Tensor.FromBlob((nint)start, [floats], default, DType.Float32, null);
                var sum = tensor.Sum().ItemDouble(); // reads every page
                var first = (start + Page - 1) / Page * Page;
                var end = (start + floats * 4L) / Page * Page;
                var spanned = (offset + floats * 4L + Page - 1) / Page; // the map starts on a page
                Assert.Equal(spanned, ResidentPages((long)basePointer, spanned));

                Assert.Equal(end - first, ResidentMemory.PageOut(tensor));

                Assert.Equal(0, ResidentPages(first, (end - first) / Page));
                Assert.Equal(1, ResidentPages(first - Page, 1)); // the partial first page stays
                Assert.Equal(1, ResidentPages(end, 1)); // and the partial last page
                Assert.Equal(values, tensor.ToArray<float>());
                Assert.Equal(sum, tensor.Sum().ItemDouble());
            }
            finally
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PageOutOfAnonymousMemoryKeepsTheContentsAndSkipsTensorsItCannotAdvise()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(4);
        var x = Tensor.Randn([512, 1024], g);
        var before = x.ToArray<float>();
        ResidentMemory.PageOut(x);
        Assert.Equal(before, x.ToArray<float>());
        Assert.Equal(0, ResidentMemory.PageOut(x.Transpose(0, 1))); // not contiguous
        Assert.Equal(0, ResidentMemory.PageOut(Tensor.Ones([3]))); // smaller than a page
    }

    /// <summary>How many of the <paramref name="pages"/> pages from page-aligned <paramref name="address"/> are resident.</summary>
    private static unsafe long ResidentPages(long address, long pages)
    {
        var vector = new byte[pages];
        fixed (byte* v = vector)
            Assert.Equal(0, mincore((nint)address, (nuint)(pages * Page), v));
        return vector.Count(b => (b & 1) != 0);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int mincore(nint address, nuint length, byte* vector);
}
