using System.Text.Encodings.Web;
using System.Text.Json;

namespace SelfSpec.Tokenizers.Training;

/// <summary>Writes a trained byte-level BPE as <c>tokenizer.json</c> + <c>tokenizer_config.json</c> (Hugging Face format).</summary>
internal static class TrainedTokenizerWriter
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <remarks>Added tokens (not special) get the ids after the model's vocabulary, which may be short of
    /// <see cref="BpeTrainerOptions.VocabSize"/> when training ran out of pairs to merge.</remarks>
    public static void Write(BpeTrainer.TrainedModel model, BpeTrainerOptions options, string directory)
    {
        Directory.CreateDirectory(directory);
        // Write beside the target and rename, so an interrupted run never leaves a half-written tokenizer.
        WriteAtomically(Path.Combine(directory, "tokenizer.json"), w => WriteTokenizerJson(w, model, options));
        WriteAtomically(Path.Combine(directory, "tokenizer_config.json"), w => WriteConfig(w, model, options));
    }

    private static void WriteAtomically(string path, Action<Utf8JsonWriter> write)
    {
        var tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var writer = new Utf8JsonWriter(stream, Indented))
            write(writer);
        File.Move(tmp, path, overwrite: true);
    }

    private static void WriteTokenizerJson(Utf8JsonWriter w, BpeTrainer.TrainedModel model, BpeTrainerOptions options)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var (id, content, special) in AddedTokenEntries(model, options)) WriteAddedToken(w, id, content, withId: true, special);
        w.WriteEndArray();
        w.WriteNull("normalizer");

        w.WriteStartObject("pre_tokenizer");
        WriteByteLevel(w, trimOffsets: true);
        w.WriteEndObject();

        w.WriteStartObject("post_processor");
        if (options.AddBosToken)
        {
            w.WriteString("type", "Sequence");
            w.WriteStartArray("processors");
            w.WriteStartObject();
            WriteByteLevel(w, trimOffsets: false);
            w.WriteEndObject();
            w.WriteStartObject();
            WriteBosTemplate(w, options.BosToken!, options.SpecialTokens.ToList().IndexOf(options.BosToken!));
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else WriteByteLevel(w, trimOffsets: false);
        w.WriteEndObject();

        w.WriteStartObject("decoder");
        WriteByteLevel(w, trimOffsets: true);
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (var i = 0; i < model.Vocab.Count; i++) w.WriteNumber(model.Vocab[i], i);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in model.Merges) w.WriteStringValue(left + " " + right);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, bool trimOffsets)
    {
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
    }

    private static void WriteBosTemplate(Utf8JsonWriter w, string bos, int bosId)
    {
        w.WriteString("type", "TemplateProcessing");
        void Piece(string kind, string id, int typeId)
        {
            w.WriteStartObject();
            w.WriteStartObject(kind);
            w.WriteString("id", id);
            w.WriteNumber("type_id", typeId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteStartArray("single");
        Piece("SpecialToken", bos, 0);
        Piece("Sequence", "A", 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        Piece("SpecialToken", bos, 0);
        Piece("Sequence", "A", 0);
        Piece("SpecialToken", bos, 1);
        Piece("Sequence", "B", 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject(bos);
        w.WriteString("id", bos);
        w.WriteStartArray("ids");
        w.WriteNumberValue(bosId);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        w.WriteStringValue(bos);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Special tokens (ids 0, 1, …) then normal added tokens (the ids after the model's vocabulary).</summary>
    private static IEnumerable<(int Id, string Content, bool Special)> AddedTokenEntries(BpeTrainer.TrainedModel model, BpeTrainerOptions options) =>
        options.SpecialTokens.Select((t, i) => (i, t, true))
            .Concat(options.AddedTokens.Select((t, i) => (model.Vocab.Count + i, t, false)));

    private static void WriteAddedToken(Utf8JsonWriter w, int id, string content, bool withId, bool special)
    {
        w.WriteStartObject();
        if (withId) w.WriteNumber("id", id);
        w.WriteString("content", content);
        w.WriteBoolean("single_word", false);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("special", special);
        w.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter w, BpeTrainer.TrainedModel model, BpeTrainerOptions options)
    {
        w.WriteStartObject();
        w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
        w.WriteNumber("model_max_length", options.ModelMaxLength);
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        if (options.BosToken is not null) w.WriteString("bos_token", options.BosToken);
        if (options.EosToken is not null) w.WriteString("eos_token", options.EosToken);
        if (options.PadToken is not null) w.WriteString("pad_token", options.PadToken);
        w.WriteStartObject("added_tokens_decoder");
        foreach (var (id, content, special) in AddedTokenEntries(model, options))
        {
            w.WritePropertyName(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteAddedToken(w, id, content, withId: false, special);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
