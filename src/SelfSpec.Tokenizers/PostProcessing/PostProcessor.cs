namespace SelfSpec.Tokenizers.PostProcessing;

/// <summary>A <c>post_processor</c>: adds the special tokens around encoded sequences (when asked to).</summary>
internal abstract class PostProcessor
{
    /// <summary>
    /// Set when the processor trims spaces out of byte-level token offsets (<c>trim_offsets</c> of ByteLevel and
    /// RobertaProcessing); the value is its <c>add_prefix_space</c>. Applies with or without special tokens.
    /// </summary>
    public bool? TrimOffsetsAddPrefixSpace { get; init; }

    /// <summary>How many tokens <see cref="Process"/> adds (so truncation can leave room for them).</summary>
    public abstract int AddedTokens(bool isPair);

    /// <summary>Combines the encoded sequence(s), adding special tokens.</summary>
    public abstract EncodingBuilder Process(EncodingBuilder a, EncodingBuilder? b);
}

/// <summary>Concatenates without adding anything (ByteLevel only adjusts offsets in the reference; ids are unchanged).</summary>
internal sealed class PassThroughPostProcessor : PostProcessor
{
    public override int AddedTokens(bool isPair) => 0;

    public override EncodingBuilder Process(EncodingBuilder a, EncodingBuilder? b)
    {
        if (b is null) return a;
        var r = new EncodingBuilder(a.WithOffsets, a.Count + b.Count);
        r.Append(a, 0);
        r.Append(b, 1);
        return r;
    }
}

internal sealed class SequencePostProcessor(IReadOnlyList<PostProcessor> processors) : PostProcessor
{
    public IReadOnlyList<PostProcessor> Processors => processors;

    public override int AddedTokens(bool isPair) => processors.Sum(p => p.AddedTokens(isPair));

    public override EncodingBuilder Process(EncodingBuilder a, EncodingBuilder? b)
    {
        // Only one processor in a sequence may combine a pair; the others see a single sequence.
        foreach (var p in processors)
        {
            if (p is PassThroughPostProcessor) continue;
            a = p.Process(a, b);
            b = null;
        }
        return b is null ? a : new PassThroughPostProcessor().Process(a, b);
    }
}

/// <summary>Rust's ByteLevel <c>process_offsets</c>: a token's leading and trailing spaces (Ġ) leave its offsets.</summary>
internal static class ByteLevelOffsetTrimmer
{
    /// <param name="encoding">One encoded sequence, with offsets into <paramref name="text"/>.</param>
    /// <param name="text">The encoded text.</param>
    /// <param name="modelToken">The vocabulary string of a model token, or null for an added token.</param>
    /// <param name="addPrefixSpace">The processor's <c>add_prefix_space</c>.</param>
    public static void Trim(EncodingBuilder encoding, string text, Func<int, string?> modelToken, bool addPrefixSpace)
    {
        var offsets = encoding.Offsets;
        if (offsets is null) return;
        for (var i = 0; i < encoding.Count; i++)
        {
            // An added token's string, as the Rust library sees it, includes the whitespace lstrip/rstrip took in.
            var token = modelToken(encoding.Ids[i]) ?? text[offsets[i].Item1..offsets[i].Item2];
            if (string.IsNullOrEmpty(token)) continue;
            var leading = 0;
            while (leading < token.Length && IsSpace(token[leading])) leading++;
            var trailing = 0;
            while (trailing < token.Length && IsSpace(token[token.Length - 1 - trailing])) trailing++;
            if (leading == 0 && trailing == 0) continue;
            var (start, end) = offsets[i];
            if (leading > 0)
            {
                if ((i == 0 || start == 0) && addPrefixSpace && leading == 1) leading = 0;
                start = Math.Min(start + leading, end);
            }
            if (trailing > 0 && end >= trailing)
            {
                end = Math.Max(end - trailing, start);
                // Rust trims bytes and then rounds down to a char: never end inside a surrogate pair.
                if (end > start && end < text.Length && char.IsSurrogatePair(text[end - 1], text[end])) end--;
            }
            offsets[i] = (start, end);
        }
    }

    private static bool IsSpace(char c) => c == '\u0120' || char.IsWhiteSpace(c);
}

/// <summary>One item of a template: a special token's ids or the sequence A/B, with a type id.</summary>
internal sealed record TemplatePiece(bool IsSequence, string SequenceOrToken, int TypeId);

/// <summary><c>TemplateProcessing</c>: templates such as <c>&lt;s&gt; $A</c> for single sequences and pairs.</summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<TemplatePiece> single, IReadOnlyList<TemplatePiece> pair,
    IReadOnlyDictionary<string, int[]> specialTokens) : PostProcessor
{
    public override int AddedTokens(bool isPair) =>
        (isPair ? pair : single).Where(p => !p.IsSequence).Sum(p => specialTokens[p.SequenceOrToken].Length);

    public override EncodingBuilder Process(EncodingBuilder a, EncodingBuilder? b)
    {
        var template = b is null ? single : pair;
        var r = new EncodingBuilder(a.WithOffsets, a.Count + (b?.Count ?? 0) + 4);
        foreach (var piece in template)
        {
            if (piece.IsSequence) r.Append(piece.SequenceOrToken == "B" ? b ?? a : a, piece.TypeId);
            else foreach (var id in specialTokens[piece.SequenceOrToken]) r.Add(id, 0, 0, piece.TypeId, special: true);
        }
        return r;
    }
}

/// <summary><c>RobertaProcessing</c> (<c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c>) and <c>BertProcessing</c> (<c>[CLS] A [SEP] B [SEP]</c>).</summary>
internal sealed class ClsSepPostProcessor(int clsId, int sepId, bool roberta) : PostProcessor
{
    public override int AddedTokens(bool isPair) => isPair ? (roberta ? 4 : 3) : 2;

    public override EncodingBuilder Process(EncodingBuilder a, EncodingBuilder? b)
    {
        var r = new EncodingBuilder(a.WithOffsets, a.Count + (b?.Count ?? 0) + 4);
        r.Add(clsId, 0, 0, 0, special: true);
        r.Append(a, 0);
        r.Add(sepId, 0, 0, 0, special: true);
        if (b is not null)
        {
            var typeId = roberta ? 0 : 1;
            if (roberta) r.Add(sepId, 0, 0, typeId, special: true);
            r.Append(b, typeId);
            r.Add(sepId, 0, 0, typeId, special: true);
        }
        return r;
    }
}
