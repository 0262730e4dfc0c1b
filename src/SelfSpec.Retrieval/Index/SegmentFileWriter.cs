using System.Buffers.Binary;
using System.Text;

namespace SelfSpec.Retrieval.Index;

/// <summary>Writes one segment file: terms must be added in ordinal order; the file appears under its final
/// name only when <see cref="Finish"/> succeeds.</summary>
internal sealed class SegmentFileWriter : IDisposable
{
    private readonly string _path;
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly BufferedStream _out;
    private readonly List<(string Term, TermInfo Info)> _dictionary = [];
    private readonly MemoryStream _block = new();
    private readonly int[] _gaps = new int[SegmentFormat.BlockSize];
    private readonly int[] _freqs = new int[SegmentFormat.BlockSize];
    private string? _lastTerm;
    private bool _finished;

    public SegmentFileWriter(string path)
    {
        _path = path;
        _tempPath = path + ".tmp";
        _file = new FileStream(_tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        _out = new BufferedStream(_file, 1 << 20);
        _out.Write(new byte[SegmentFormat.HeaderSize]);
    }

    public int TermCount => _dictionary.Count;

    /// <summary>Writes one term's postings (<paramref name="docs"/> ascending, <paramref name="freqs"/> ≥ 1).</summary>
    public void AddTerm(string term, ReadOnlySpan<int> docs, ReadOnlySpan<int> freqs, ReadOnlySpan<byte> norms)
    {
        if (_lastTerm is not null && string.CompareOrdinal(_lastTerm, term) >= 0)
            throw new InvalidOperationException($"terms out of order: {_lastTerm} then {term}");
        _lastTerm = term;
        int df = docs.Length;
        int blocks = (df + SegmentFormat.BlockSize - 1) / SegmentFormat.BlockSize;
        long postingsOffset = _out.Position;
        var directory = new BlockEntry[blocks];
        _block.SetLength(0);
        int prev = -1, termMaxFreq = 0;
        byte termMaxNorm = 0;
        for (int b = 0; b < blocks; b++)
        {
            int start = b * SegmentFormat.BlockSize;
            int count = Math.Min(SegmentFormat.BlockSize, df - start);
            int maxFreq = 0;
            byte maxNorm = 0;
            for (int i = 0; i < count; i++)
            {
                int doc = docs[start + i];
                _gaps[i] = doc - prev - 1;
                prev = doc;
                int f = freqs[start + i];
                _freqs[i] = f - 1;
                if (f > maxFreq) maxFreq = f;
                if (norms[doc] > maxNorm) maxNorm = norms[doc];
            }
            directory[b] = new BlockEntry { LastDoc = prev, DataOffset = checked((int)_block.Length), MaxFreq = maxFreq, MaxNorm = maxNorm };
            int gapBits = BitPacking.BitsRequired(_gaps.AsSpan(0, count));
            int freqBits = BitPacking.BitsRequired(_freqs.AsSpan(0, count));
            _block.WriteByte((byte)gapBits);
            _block.WriteByte((byte)freqBits);
            BitPacking.Pack(_gaps.AsSpan(0, count), gapBits, _block);
            BitPacking.Pack(_freqs.AsSpan(0, count), freqBits, _block);
            termMaxFreq = Math.Max(termMaxFreq, maxFreq);
            termMaxNorm = Math.Max(termMaxNorm, maxNorm);
        }
        Span<byte> entry = stackalloc byte[16];
        foreach (var e in directory)
        {
            BinaryPrimitives.WriteInt32LittleEndian(entry, e.LastDoc);
            BinaryPrimitives.WriteInt32LittleEndian(entry[4..], e.DataOffset);
            BinaryPrimitives.WriteInt32LittleEndian(entry[8..], e.MaxFreq);
            entry[12] = e.MaxNorm;
            entry[13] = entry[14] = entry[15] = 0;
            _out.Write(entry);
        }
        _block.Position = 0;
        _block.CopyTo(_out);
        _dictionary.Add((term, new TermInfo(df, postingsOffset, termMaxFreq, termMaxNorm)));
    }

    /// <summary>Writes norms, stored fields, the dictionary and the header, then moves the file into place.</summary>
    public void Finish(ReadOnlySpan<byte> norms, IReadOnlyList<string> ids, IReadOnlyList<string> titles, long sumTotalTermFreq)
    {
        int docCount = norms.Length;
        long normsOffset = _out.Position;
        _out.Write(norms);

        long storedOffset = _out.Position;
        var offsets = new long[docCount + 1];
        var blob = new MemoryStream();
        for (int d = 0; d < docCount; d++)
        {
            offsets[d] = blob.Length;
            blob.Write(Encoding.UTF8.GetBytes(ids[d]));
            blob.WriteByte(0);
            blob.Write(Encoding.UTF8.GetBytes(titles[d]));
        }
        offsets[docCount] = blob.Length;
        var w = new BinaryWriter(_out, Encoding.UTF8, leaveOpen: true);
        foreach (var o in offsets) w.Write(o);
        w.Flush();
        blob.Position = 0;
        blob.CopyTo(_out);

        long dictOffset = _out.Position;
        w.Write(_dictionary.Count);
        foreach (var (term, info) in _dictionary)
        {
            var bytes = Encoding.UTF8.GetBytes(term);
            w.Write7BitEncodedInt(bytes.Length);
            w.Write(bytes);
            w.Write7BitEncodedInt(info.DocFreq);
            w.Write7BitEncodedInt64(info.PostingsOffset);
            w.Write7BitEncodedInt(info.MaxFreq);
            w.Write(info.MaxNorm);
        }
        w.Write(new byte[SegmentFormat.TailPadding]);
        w.Flush();
        _out.Flush();

        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        SegmentFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], SegmentFormat.Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], docCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], sumTotalTermFreq);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], _dictionary.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], normsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], storedOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], dictOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[56..], SegmentFormat.HeaderSize);
        _file.Position = 0;
        _file.Write(header);
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        _finished = true;
    }

    public void Dispose()
    {
        if (_finished) return;
        _out.Dispose();
        _file.Dispose();
        try { File.Delete(_tempPath); } catch (IOException) { }
    }
}
