using System.Text;

namespace SelfSpec.Tokenizers.Normalization;

/// <summary>
/// Text after normalization together with, for each of its chars, the range of the original text it came from,
/// so token offsets can be reported in the caller's string.
/// </summary>
internal sealed class NormalizedString
{
    private readonly int[]? _alignment; // 2 ints per char: original start, original end; null = identity
    private readonly int _originalOffset;

    /// <summary>An unmodified slice of the original text.</summary>
    public NormalizedString(string original, int start, int length)
    {
        Text = start == 0 && length == original.Length ? original : original.Substring(start, length);
        _originalOffset = start;
    }

    public NormalizedString(string text, int[] alignment)
    {
        Text = text;
        _alignment = alignment;
    }

    public string Text { get; }

    public int Length => Text.Length;

    public int OriginalStart(int index) =>
        _alignment is null ? _originalOffset + index
        : index < Text.Length ? _alignment[2 * index]
        : Text.Length == 0 ? _originalOffset : _alignment[2 * Text.Length - 1];

    public int OriginalEnd(int index) =>
        _alignment is null ? _originalOffset + index + 1 : _alignment[2 * index + 1];

    /// <summary>The original range covered by normalized chars [start, end).</summary>
    public (int Start, int End) Original(int start, int end)
    {
        if (end <= start) { var p = OriginalStart(start); return (p, p); }
        return (OriginalStart(start), OriginalEnd(end - 1));
    }

    /// <summary>The original range of the code point starting at <paramref name="index"/> (what prepended text aligns to).</summary>
    public (int Start, int End) OriginalOfCodePoint(int index) =>
        Original(index, index + (char.IsSurrogatePair(Text, index) ? 2 : 1));

    /// <summary>Builds a new normalized string char by char, each char carrying its original range.</summary>
    public sealed class Builder(int capacity)
    {
        private readonly StringBuilder _text = new(capacity);
        private readonly List<int> _alignment = new(capacity * 2);

        public int Length => _text.Length;

        public void Append(char c, int originalStart, int originalEnd)
        {
            _text.Append(c);
            _alignment.Add(originalStart);
            _alignment.Add(originalEnd);
        }

        public void Append(ReadOnlySpan<char> s, int originalStart, int originalEnd)
        {
            foreach (var c in s) Append(c, originalStart, originalEnd);
        }

        public NormalizedString ToNormalizedString() => new(_text.ToString(), _alignment.ToArray());
    }

    /// <summary>Copies chars [start, end) of this string into <paramref name="builder"/> with their alignment.</summary>
    public void CopyTo(Builder builder, int start, int end)
    {
        for (var i = start; i < end; i++) builder.Append(Text[i], OriginalStart(i), OriginalEnd(i));
    }
}
