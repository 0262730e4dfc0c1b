namespace SelfSpec.Gguf.Export;

/// <summary>What <see cref="GgufExporter"/> writes.</summary>
public sealed record GgufExportOptions
{
    /// <summary>The weight type (<c>--type</c>).</summary>
    public GgufOutputType Type { get; init; } = GgufOutputType.F32;

    /// <summary>A PEFT LoRA folder (<c>--adapter</c>): exported as a GGUF LoRA adapter, or merged when <see cref="Merge"/>.</summary>
    public string? AdapterDirectory { get; init; }

    /// <summary>Merge the adapter into the weights (W + s·B·A) and write one model (<c>--merge</c>).</summary>
    public bool Merge { get; init; }

    /// <summary><c>general.name</c> (default: the model folder's name).</summary>
    public string? Name { get; init; }
}

/// <summary>What an export wrote.</summary>
/// <param name="Path">The GGUF file.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="TensorCount">How many tensors it holds.</param>
/// <param name="Notes">Caveats for the user (tensors kept in f16 for Q8_0, padded vocabulary, …).</param>
public sealed record GgufExportResult(string Path, long Bytes, int TensorCount, IReadOnlyList<string> Notes);
