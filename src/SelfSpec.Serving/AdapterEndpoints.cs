using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SelfSpec.Serving;

/// <summary>vLLM's runtime adapter endpoints: <c>POST /v1/load_lora_adapter</c> {lora_name, lora_path} and <c>POST /v1/unload_lora_adapter</c> {lora_name}.</summary>
internal sealed class AdapterEndpoints(ServedModels models, ServeOptions options)
{
    private static readonly HashSet<string> LoadKnown = ["lora_name", "lora_path", "load_inplace"];
    private static readonly HashSet<string> UnloadKnown = ["lora_name", "lora_int_id"];

    public async Task LoadAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(LoadKnown);
        var name = body.String("lora_name") ?? throw OpenAiError.BadParameter("lora_name", "'lora_name' is required");
        var path = body.String("lora_path") ?? throw OpenAiError.BadParameter("lora_path", "'lora_path' is required");
        if (body.Bool("load_inplace") == true) throw OpenAiError.BadParameter("load_inplace", "'load_inplace' is not supported: unload the adapter first");
        models.LoadAdapter(name, path);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Success: LoRA adapter '{name}' added successfully.");
    }

    public async Task UnloadAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context, options.MaxRequestBytes);
        body.RejectUnknown(UnloadKnown);
        body.Integer("lora_int_id", 0, int.MaxValue);
        var name = body.String("lora_name") ?? throw OpenAiError.BadParameter("lora_name", "'lora_name' is required");
        models.UnloadAdapter(name);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Success: LoRA adapter '{name}' removed successfully.");
    }
}
