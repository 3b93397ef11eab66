import Foundation
import DiagnoseCore

/// Decides what a config document is from its path and keys, and normalises serving keys.
public enum ConfigKinds {
    /// Serving-engine argument names (vLLM, SGLang), underscored.
    static let servingKeys: Set<String> = [
        "enable_prefix_caching", "no_enable_prefix_caching", "gpu_memory_utilization", "max_num_seqs",
        "max_model_len", "tensor_parallel_size", "served_model_name", "max_num_batched_tokens", "block_size",
        "enable_chunked_prefill", "kv_cache_dtype", "swap_space", "mem_fraction_static", "disable_radix_cache",
        "chunked_prefill_size", "max_running_requests", "schedule_policy", "tp_size", "dp_size", "model_path",
        "prefix_caching_hash_algo", "cpu_offload_gb", "data_parallel_size", "pipeline_parallel_size",
        "enable_hierarchical_cache", "max_total_tokens", "num_gpu_blocks_override", "preemption_mode",
    ]
    static let trainingKeys: Set<String> = [
        "learning_rate", "lr", "per_device_train_batch_size", "gradient_accumulation_steps", "micro_batch_size",
        "global_batch_size", "warmup_steps", "warmup_ratio", "lr_scheduler_type", "max_steps", "num_train_epochs",
        "optimizer", "train_iters", "max_grad_norm", "weight_decay", "num_epochs", "lr_warmup_steps",
    ]

    /// Kind of a JSON/YAML/TOML document from its path and (top-level or leaf) key names.
    public static func kind(path: String, keys: [String]) -> ConfigKind {
        let comps = ConfigSupport.components(path)
        let name = comps.last ?? ""
        if comps.contains(".hydra") || (comps.dropLast().last == "hydra"
            && ["config.yaml", "overrides.yaml", "hydra.yaml"].contains(name)) { return .hydra }
        switch name {
        case "training_args.json", "training_args.yaml", "trainer_args.json": return .training
        case "generation_config.json": return .generation
        case "tokenizer_config.json", "special_tokens_map.json", "processor_config.json": return .tokenizer
        case "chat_template.json": return .chatTemplate
        case "adapter_config.json": return .model
        default: break
        }
        if name.contains("deepspeed") || name.hasPrefix("ds_config") || name.hasPrefix("zero") && name.hasSuffix(".json") {
            return .deepspeed
        }
        let leaves = Set(keys.map { k -> String in
            let last = k.split(separator: ".").last.map(String.init) ?? k
            return last.replacingOccurrences(of: "-", with: "_").lowercased()
        })
        let tops = Set(keys.map { k -> String in
            (k.split(separator: ".").first.map(String.init) ?? k).replacingOccurrences(of: "-", with: "_").lowercased()
        })
        if tops.contains("zero_optimization") || tops.contains("train_micro_batch_size_per_gpu") { return .deepspeed }
        if name == "config.json", tops.contains("model_type") || tops.contains("architectures") { return .model }
        if tops.contains("apiversion") && tops.contains("kind") { return .launcher }
        if tops.contains("task"), tops.contains("output_type") || tops.contains("doc_to_text") || tops.contains("dataset_path") {
            return .eval
        }
        if !tops.intersection(servingKeys).isEmpty { return .serving }
        if !leaves.intersection(trainingKeys).isEmpty { return .training }
        return .other
    }

    /// Serving arguments are compared with dashes normalised to underscores (`--max-num-seqs` = `max_num_seqs`).
    public static func normaliseServing(_ entries: [FlatEntry]) -> [FlatEntry] {
        entries.map { e in
            var e = e
            e.key = e.key.replacingOccurrences(of: "-", with: "_")
            return e
        }
    }
}
