namespace SelfSpec.Retrieval.Index;

/// <summary>A segment's deleted documents as a bitset; saved as a new file per commit (never rewritten in place).</summary>
internal sealed class DeletedDocs
{
    private readonly ulong[] _bits;

    public DeletedDocs(int docCount) => _bits = new ulong[(docCount + 63) >> 6];

    private DeletedDocs(ulong[] bits, int count)
    {
        _bits = bits;
        Count = count;
    }

    public int Count { get; private set; }

    public bool IsDeleted(int doc) => (_bits[doc >> 6] & (1UL << doc)) != 0;

    /// <summary>Marks <paramref name="doc"/> deleted; false if it already was.</summary>
    public bool Delete(int doc)
    {
        ref ulong word = ref _bits[doc >> 6];
        ulong mask = 1UL << doc;
        if ((word & mask) != 0) return false;
        word |= mask;
        Count++;
        return true;
    }

    public DeletedDocs Clone() => new((ulong[])_bits.Clone(), Count);

    public void Save(string path)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var w = new BinaryWriter(fs))
        {
            w.Write(Count);
            w.Write(_bits.Length);
            foreach (var b in _bits) w.Write(b);
            w.Flush();
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static DeletedDocs Load(string path, int docCount)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            int count = r.ReadInt32();
            int words = r.ReadInt32();
            if (words != (docCount + 63) >> 6) throw new IndexFormatException("deletions file does not match its segment", path);
            var bits = new ulong[words];
            for (int i = 0; i < words; i++) bits[i] = r.ReadUInt64();
            return new DeletedDocs(bits, count);
        }
        catch (EndOfStreamException e)
        {
            throw new IndexFormatException("truncated deletions file", path, e);
        }
    }
}
