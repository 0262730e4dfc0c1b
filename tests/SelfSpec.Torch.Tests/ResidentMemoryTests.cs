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
            // The file's pages are read back one page per folio: a large folio (ext4 makes them since Linux 6.16) that
            // straddles the tensor's partial first or last page cannot be paged out without that page, so how many
            // whole pages PageOut reclaims would depend on how the kernel grouped them. Drop the cached pages, then
            // read through a mapping advised MADV_RANDOM (no readahead: single pages).
            using (var handle = File.OpenHandle(path))
                Assert.Equal(0, posix_fadvise((int)handle.DangerousGetHandle(), 0, 0, PosixFadviseDontNeed));
            using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            try
            {
                var mapped = (offset + floats * 4L + Page - 1) / Page * Page;
                Assert.Equal(0, madvise((nint)basePointer, (nuint)mapped, MadviseRandom));
                var start = (long)basePointer + offset;
                using var tensor = Tensor.FromBlob((nint)start, [floats], default, DType.Float32, null);
                var sum = tensor.Sum().ItemDouble(); // reads every page
                var first = (start + Page - 1) / Page * Page;
                var end = (start + floats * 4L) / Page * Page;
                var spanned = (offset + floats * 4L + Page - 1) / Page; // the map starts on a page
                Assert.Equal(spanned, ResidentPages((long)basePointer, spanned));

                Assert.Equal(end - first, ResidentMemory.PageOut(tensor));
                // MADV_PAGEOUT is advice: pages still in another CPU's LRU batch (just read in) are skipped; asking
                // again once they have reached the LRU lists reclaims them.
                for (var retry = 0; retry < 20 && ResidentPages(first, (end - first) / Page) > 0; retry++)
                {
                    Thread.Sleep(50);
                    ResidentMemory.PageOut(tensor);
                }
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

    private const int PosixFadviseDontNeed = 4;
    private const int MadviseRandom = 1;

    [LibraryImport("libc")]
    private static partial int posix_fadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);
}
