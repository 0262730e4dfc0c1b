using System.Runtime.InteropServices;

namespace SelfSpec.Retrieval.Index;

/// <summary>
/// Layout of one immutable segment file (<c>seg_NNNNNN.seg</c>), little-endian:
/// header | postings (per term: block directory, then packed blocks) | norms (1 byte/doc) |
/// stored fields (offsets + UTF-8 "id\0title") | term dictionary (sorted) | 8 zero bytes.
/// Postings blocks hold <see cref="BlockSize"/> documents: doc-id gaps and tf − 1, each bit-packed at the
/// block's own width. Each directory entry records the block's last doc, its data offset, its largest tf and the
/// norm byte of its shortest document: the inputs of the block's BM25 upper bound.
/// </summary>
internal static class SegmentFormat
{
    public const int BlockSize = 128;
    public const int Version = 1;
    public static ReadOnlySpan<byte> Magic => "SSBM25SG"u8;
    public const int HeaderSize = 8 + 4 + 4 + 8 + 4 + 4 + 8 * 4;
    public const int TailPadding = 8;
}

/// <summary>One entry of a term's block directory (16 bytes on disk).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockEntry
{
    public int LastDoc;
    public int DataOffset;
    public int MaxFreq;
    public byte MaxNorm;
    public byte Pad0, Pad1, Pad2;
}

/// <summary>What the term dictionary says about one term in one segment.</summary>
internal readonly record struct TermInfo(int DocFreq, long PostingsOffset, int MaxFreq, byte MaxNorm);
