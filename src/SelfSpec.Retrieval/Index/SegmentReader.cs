using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace SelfSpec.Retrieval.Index;

/// <summary>A memory-mapped, read-only view of one segment file. Thread-safe.</summary>
internal sealed unsafe class SegmentReader : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _length;
    private readonly long _normsOffset;
    private readonly long _storedOffset;
    private readonly string[] _terms;
    private readonly TermInfo[] _infos;
    private readonly Dictionary<string, int> _termIndex;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _termLookup;

    public SegmentReader(string path, string name)
    {
        Name = name;
        Path = path;
        try
        {
            _length = new FileInfo(path).Length;
            if (_length < SegmentFormat.HeaderSize + SegmentFormat.TailPadding) throw new IndexFormatException("segment file too short", path);
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
        }
        catch (IOException e)
        {
            throw new IndexFormatException("cannot open segment: " + e.Message, path, e);
        }
        var header = new ReadOnlySpan<byte>(_base, SegmentFormat.HeaderSize);
        if (!header[..8].SequenceEqual(SegmentFormat.Magic)) throw new IndexFormatException("not a segment file (bad magic)", path);
        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != SegmentFormat.Version) throw new IndexFormatException("unsupported segment version", path);
        DocCount = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        SumTotalTermFreq = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        int termCount = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        _normsOffset = BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
        _storedOffset = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        long dictOffset = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
        if (_normsOffset > _length || _storedOffset > _length || dictOffset > _length || DocCount < 0 || termCount < 0)
            throw new IndexFormatException("segment header is damaged", path);

        _terms = new string[termCount];
        _infos = new TermInfo[termCount];
        _termIndex = new Dictionary<string, int>(termCount, StringComparer.Ordinal);
        using var stream = new UnmanagedMemoryStream(_base + dictOffset, _length - dictOffset);
        using var r = new BinaryReader(stream);
        try
        {
            if (r.ReadInt32() != termCount) throw new IndexFormatException("term dictionary is damaged", path);
            for (int i = 0; i < termCount; i++)
            {
                int len = r.Read7BitEncodedInt();
                var term = Encoding.UTF8.GetString(r.ReadBytes(len));
                _terms[i] = term;
                _infos[i] = new TermInfo(r.Read7BitEncodedInt(), r.Read7BitEncodedInt64(), r.Read7BitEncodedInt(), r.ReadByte());
                _termIndex[term] = i;
            }
        }
        catch (EndOfStreamException e)
        {
            throw new IndexFormatException("term dictionary is truncated", path, e);
        }
        _termLookup = _termIndex.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Name { get; }

    public string Path { get; }

    public int DocCount { get; }

    public long SumTotalTermFreq { get; }

    public int TermCount => _terms.Length;

    public string Term(int ordinal) => _terms[ordinal];

    public TermInfo Info(int ordinal) => _infos[ordinal];

    public bool TryGetTerm(ReadOnlySpan<char> term, out TermInfo info)
    {
        if (_termLookup.TryGetValue(term, out int ord))
        {
            info = _infos[ord];
            return true;
        }
        info = default;
        return false;
    }

    public byte Norm(int doc) => _base[_normsOffset + doc];

    public ReadOnlySpan<byte> Norms => new(_base + _normsOffset, DocCount);

    public (string Id, string Title) Stored(int doc)
    {
        long* offsets = (long*)(_base + _storedOffset);
        byte* blob = _base + _storedOffset + 8L * (DocCount + 1);
        var bytes = new ReadOnlySpan<byte>(blob + offsets[doc], checked((int)(offsets[doc + 1] - offsets[doc])));
        int zero = bytes.IndexOf((byte)0);
        return (Encoding.UTF8.GetString(bytes[..zero]), Encoding.UTF8.GetString(bytes[(zero + 1)..]));
    }

    public PostingsCursor Postings(in TermInfo info) => new(_base + info.PostingsOffset, info.DocFreq);

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}

/// <summary>Iterates one term's postings in one segment, decoding a block at a time and skipping whole blocks
/// by the block directory.</summary>
internal sealed unsafe class PostingsCursor
{
    public const int NoMoreDocs = int.MaxValue;

    private readonly BlockEntry* _directory;
    private readonly byte* _data;
    private readonly int _blockCount;
    private readonly int _docFreq;
    private readonly int[] _docs = new int[SegmentFormat.BlockSize];
    private readonly int[] _freqs = new int[SegmentFormat.BlockSize];
    private int _block = -1;      // decoded block
    private int _shallowBlock;    // block examined by BlockFor (never behind the decoded one)
    private int _count;
    private int _pos;

    public PostingsCursor(byte* postings, int docFreq)
    {
        _docFreq = docFreq;
        _blockCount = (docFreq + SegmentFormat.BlockSize - 1) / SegmentFormat.BlockSize;
        _directory = (BlockEntry*)postings;
        _data = postings + 16L * _blockCount;
        Doc = -1;
    }

    public int Doc { get; private set; }

    public int Freq => _freqs[_pos];

    /// <summary>The largest value of <paramref name="blockBound"/> over this term's blocks: the term's score bound.</summary>
    public float MaxOverBlocks(Func<int, byte, float> blockBound)
    {
        float max = 0;
        for (int b = 0; b < _blockCount; b++)
        {
            float v = blockBound(_directory[b].MaxFreq, _directory[b].MaxNorm);
            if (v > max) max = v;
        }
        return max;
    }

    public int DocFreq => _docFreq;

    public int NextDoc()
    {
        if (++_pos < _count) return Doc = _docs[_pos];
        if (_block + 1 >= _blockCount) return Doc = NoMoreDocs;
        Decode(_block + 1);
        return Doc = _docs[_pos];
    }

    /// <summary>Moves to the first doc ≥ <paramref name="target"/>.</summary>
    public int Advance(int target)
    {
        if (Doc >= target) return Doc;
        if (_block < 0 || _directory[_block].LastDoc < target)
        {
            int b = Math.Max(_block + 1, 0);
            while (b < _blockCount && _directory[b].LastDoc < target) b++;
            if (b >= _blockCount)
            {
                _block = _blockCount;
                _count = _pos = 0;
                return Doc = NoMoreDocs;
            }
            Decode(b);
        }
        while (_docs[_pos] < target) _pos++;
        return Doc = _docs[_pos];
    }

    /// <summary>The directory entry of the block that would hold <paramref name="target"/>, without decoding it;
    /// false when no block does. Targets must not decrease.</summary>
    public bool BlockFor(int target, out BlockEntry entry)
    {
        int b = Math.Max(_shallowBlock, _block);
        while (b < _blockCount && _directory[b].LastDoc < target) b++;
        _shallowBlock = b;
        if (b >= _blockCount)
        {
            entry = default;
            return false;
        }
        entry = _directory[b];
        return true;
    }

    private void Decode(int block)
    {
        _block = block;
        if (_shallowBlock < block) _shallowBlock = block;
        int count = Math.Min(SegmentFormat.BlockSize, _docFreq - block * SegmentFormat.BlockSize);
        byte* p = _data + _directory[block].DataOffset;
        int gapBits = p[0], freqBits = p[1];
        p += 2;
        fixed (int* docs = _docs)
        fixed (int* freqs = _freqs)
        {
            BitPacking.Unpack(p, gapBits, count, docs);
            BitPacking.Unpack(p + BitPacking.PackedBytes(count, gapBits), freqBits, count, freqs);
            int prev = block == 0 ? -1 : _directory[block - 1].LastDoc;
            for (int i = 0; i < count; i++)
            {
                prev += docs[i] + 1;
                docs[i] = prev;
                freqs[i]++;
            }
        }
        _count = count;
        _pos = 0;
    }
}
