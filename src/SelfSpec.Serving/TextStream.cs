using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary>
/// The text of one choice as it streams: each new token yields the newly decoded characters, holding back a tail that
/// could still become a stop string (which must not reach the client) or an incomplete UTF-8 character.
/// </summary>
internal sealed class TextStream(ServedModels models, IReadOnlyList<string> stops, bool skipSpecialTokens)
{
    private readonly List<int> ids = [];
    private readonly int holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    private int sent;

    /// <summary>The generated tokens so far.</summary>
    public IReadOnlyList<int> Ids => ids;

    /// <summary>Adds a token and returns the text that can be sent now.</summary>
    public string Push(int id)
    {
        ids.Add(id);
        var text = models.Decode(ids, skipSpecialTokens);
        var safe = text.Length - holdBack;
        while (safe > sent && safe <= text.Length && safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        if (safe <= sent) return "";
        var delta = text[sent..safe];
        sent = safe;
        return delta;
    }

    /// <summary>The rest of the text once the choice ended (cut before its stop string, if one ended it).</summary>
    public string Finish(SequenceResult result)
    {
        var text = result.StopText ?? models.Decode(ids, skipSpecialTokens);
        if (text.Length <= sent) return "";
        var delta = text[sent..];
        sent = text.Length;
        return delta;
    }

    /// <summary>The whole text of a finished choice.</summary>
    public static string Final(ServedModels models, SequenceResult result, bool skipSpecialTokens) =>
        result.StopText ?? models.Decode(result.TokenIds, skipSpecialTokens);
}
