using System.Text.Json.Nodes;

namespace SelfSpec.Serving;

/// <summary>One structured line per generation request on stdout: id, model, prompt and generated tokens, status, milliseconds.</summary>
internal static class RequestLog
{
    private static readonly object Gate = new();

    public static void Write(string id, string model, GenerationCall call, DateTime started, int status = 200)
    {
        var generated = call.Handles.Sum(h => h.Completion.IsCompletedSuccessfully ? h.Completion.Result.TokenIds.Count : 0);
        var line = new JsonObject
        {
            ["ts"] = DateTime.UtcNow.ToString("O"),
            ["request"] = id,
            ["model"] = model,
            ["status"] = status,
            ["prompt_tokens"] = call.Prompts.Sum(p => p.Count),
            ["generated_tokens"] = generated,
            ["ms"] = Math.Round((DateTime.UtcNow - started).TotalMilliseconds, 1),
        };
        lock (Gate) Console.Out.WriteLine(line.ToJsonString());
    }
}
