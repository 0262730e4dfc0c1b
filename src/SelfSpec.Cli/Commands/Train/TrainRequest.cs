using SelfSpec.Llm.Lora;
using SelfSpec.Torch;
using SelfSpec.Training;

namespace SelfSpec.Cli.Commands.Train;

/// <summary>The parsed arguments of <c>selfspec train</c>.</summary>
internal sealed record TrainRequest(
    string Model, string Data, string Output, string? AdapterInit, string? EvalData, double EvalFraction,
    bool QLora, bool DoubleQuant, LoraConfig Lora, int MaxLength, DType DType, Device Device, TrainingOptions Options);
