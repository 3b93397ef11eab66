import Foundation
import DiagnoseCore

/// Prometheus series names from vLLM (V0 and V1) and SGLang mapped onto the shared vocabulary.
enum ServingMetricNames {
    /// How a series is folded into a replica's scrape.
    enum Role { case queries, hits, gauge(MetricName, scale: Double), sum(MetricName), hitRateGauge }

    /// Keyed by the series name without a `_total` suffix.
    static let table: [String: Role] = [
        "vllm:prefix_cache_queries": .queries, "vllm:gpu_prefix_cache_queries": .queries,
        "vllm:prefix_cache_hits": .hits, "vllm:gpu_prefix_cache_hits": .hits,
        "vllm:gpu_prefix_cache_hit_rate": .hitRateGauge,
        "vllm:kv_cache_usage_perc": .gauge(.kvCacheUsage, scale: 1), "vllm:gpu_cache_usage_perc": .gauge(.kvCacheUsage, scale: 1),
        "vllm:num_preemptions": .sum(.preemptions),
        "vllm:num_requests_running": .sum(.runningRequests), "vllm:num_requests_waiting": .sum(.waitingRequests),
        "vllm:prompt_tokens": .sum(.promptTokens), "vllm:prompt_tokens_cached": .sum(.cachedTokens),
        "sglang:prompt_tokens": .queries, "sglang:cached_tokens": .hits,
        "sglang:cache_hit_rate": .hitRateGauge,
        "sglang:token_usage": .gauge(.kvCacheUsage, scale: 1),
        "sglang:num_running_reqs": .sum(.runningRequests), "sglang:num_queue_reqs": .sum(.waitingRequests),
        "sglang:num_evicted_tokens": .sum(.evictions),
    ]

    static func role(_ name: String) -> Role? {
        if name.hasSuffix("_created") || name.hasSuffix("_bucket") || name.hasSuffix("_sum") || name.hasSuffix("_count") { return nil }
        if let r = table[name] { return r }
        if name.hasSuffix("_total") { return table[String(name.dropLast(6))] }
        return nil
    }

    /// Labels naming a replica, in order of preference.
    static let replicaLabels = ["replica", "instance", "pod", "pod_name", "server", "host", "node"]
}
