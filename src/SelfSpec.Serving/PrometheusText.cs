using System.Globalization;
using System.Text;
using SelfSpec.Llm.Serving;

namespace SelfSpec.Serving;

/// <summary><c>/metrics</c> in Prometheus' text format, with vLLM's metric names where vLLM has one.</summary>
internal static class PrometheusText
{
    public static string Render(ServedModels models, RequestCounters counters)
    {
        var m = models.Engine.Metrics;
        var label = $"model_name=\"{Escape(models.BaseName)}\"";
        var s = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> values)
        {
            s.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            s.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in values)
                s.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Metric("vllm:num_requests_running", "gauge", "Sequences decoding now.", [(label, m.Running)]);
        Metric("vllm:num_requests_waiting", "gauge", "Sequences waiting for a row.", [(label, m.Waiting)]);
        Metric("vllm:prompt_tokens_total", "counter", "Prompt tokens prefilled.", [(label, m.PromptTokens)]);
        Metric("selfspec:prefill_passes_total", "counter", "Prefill forward passes (prompts of one adapter admitted together share one).", [(label, m.Prefills)]);
        Metric("vllm:generation_tokens_total", "counter", "Tokens generated.", [(label, m.GenerationTokens)]);
        var (stop, length, aborted) = m.Finished;
        Metric("vllm:request_success_total", "counter", "Sequences finished, by reason.",
            [($"{label},finished_reason=\"stop\"", stop), ($"{label},finished_reason=\"length\"", length), ($"{label},finished_reason=\"abort\"", aborted)]);
        var cumulative = m.BatchSizeCumulative();
        var buckets = ServingMetrics.BatchSizeBuckets.Select((b, i) => ($"{label},le=\"{b}\"", (double)cumulative[i]))
            .Append(($"{label},le=\"+Inf\"", cumulative[^1])).ToList();
        s.Append("# HELP selfspec:decode_batch_size Rows per decode step.\n# TYPE selfspec:decode_batch_size histogram\n");
        foreach (var (labels, value) in buckets) s.Append("selfspec:decode_batch_size_bucket{").Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("selfspec:decode_batch_size_sum{").Append(label).Append("} ").Append(m.RowSteps.ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("selfspec:decode_batch_size_count{").Append(label).Append("} ").Append(m.Steps.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Metric("selfspec:prefill_rows_total", "counter", "Prompts prefilled.", [(label, m.PrefillRows)]);
        Metric("selfspec:kv_cache_rebuilds_total", "counter", "Rebuilds of a running batch's whole KV cache (it outgrew its positions or rows).", [(label, m.Composes)]);
        Metric("selfspec:kv_cache_row_changes_total", "counter", "Rows that joined or left a running batch's KV cache in place.", [(label, m.InPlaceRowChanges)]);
        Metric("selfspec:engine_seconds_total", "counter", "Seconds the decode thread spent, by phase.",
            Enum.GetValues<EnginePhase>().Select(p => ($"{label},phase=\"{p.ToString().ToLowerInvariant()}\"", m.EngineSeconds(p))));
        Metric("selfspec:http_requests_total", "counter", "HTTP requests by endpoint and status.",
            counters.Snapshot().Select(c => ($"endpoint=\"{c.Key.Endpoint}\",status=\"{c.Key.Status}\"", (double)c.Count)));
        Metric("selfspec:lora_adapters_loaded", "gauge", "Adapters served.", [(label, models.Adapters.Count)]);
        return s.ToString();
    }

    private static string Escape(string v) => v.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
