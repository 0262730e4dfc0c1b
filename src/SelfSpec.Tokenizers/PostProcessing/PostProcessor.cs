namespace SelfSpec.Tokenizers.PostProcessing;

/// <summary>A <c>post_processor</c>: adds the special tokens around encoded sequences (when asked to).</summary>
internal abstract class PostProcessor
{
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
