namespace SelfSpec.Tokenizers;

/// <summary>Mutable token list used while encoding, post-processing, truncating and padding.</summary>
internal sealed class EncodingBuilder(bool withOffsets, int capacity = 16)
{
    public readonly List<int> Ids = new(capacity);
    public readonly List<int> TypeIds = new(capacity);
    public readonly List<int> SpecialMask = new(capacity);
    public readonly List<int> AttentionMask = new(capacity);
    public readonly List<(int, int)>? Offsets = withOffsets ? new(capacity) : null;

    public bool WithOffsets => Offsets is not null;

    public int Count => Ids.Count;

    public void Add(int id, int start, int end, int typeId = 0, bool special = false, int attention = 1)
    {
        Ids.Add(id);
        TypeIds.Add(typeId);
        SpecialMask.Add(special ? 1 : 0);
        AttentionMask.Add(attention);
        Offsets?.Add((start, end));
    }

    public void Append(EncodingBuilder other, int typeId)
    {
        Ids.AddRange(other.Ids);
        foreach (var _ in other.Ids) TypeIds.Add(typeId);
        SpecialMask.AddRange(other.SpecialMask);
        AttentionMask.AddRange(other.AttentionMask);
        if (Offsets is not null && other.Offsets is not null) Offsets.AddRange(other.Offsets);
    }

    public void RemoveRange(int index, int count)
    {
        Ids.RemoveRange(index, count);
        TypeIds.RemoveRange(index, count);
        SpecialMask.RemoveRange(index, count);
        AttentionMask.RemoveRange(index, count);
        Offsets?.RemoveRange(index, count);
    }

    public void Insert(int index, int id, int typeId, int attention)
    {
        Ids.Insert(index, id);
        TypeIds.Insert(index, typeId);
        SpecialMask.Insert(index, 1);
        AttentionMask.Insert(index, attention);
        Offsets?.Insert(index, (0, 0));
    }

    public EncodingResult Build(Func<int, string> idToToken) =>
        new(Ids.ToArray(), Ids.Select(idToToken).ToArray(), Offsets?.ToArray() ?? new (int, int)[Ids.Count],
            TypeIds.ToArray(), SpecialMask.ToArray(), AttentionMask.ToArray());
}
