/// The TAXONOMY.md cause ids, in one place. Playbooks are keyed by these; a playbook naming any
/// other cause is refused at load.
public enum CauseCatalog {
    /// The id of a run with nothing wrong; it has no playbook.
    public static let healthy = "healthy"

    /// Every cause id in TAXONOMY.md order, `healthy` excluded.
    public static let ids: [String] = [
        "lr-too-high", "warmup-missing", "fp16-overflow", "bad-data-batch", "data-repeat",
        "lr-schedule-misconfig", "grad-accum-misconfig", "resume-state-reset", "tokenizer-mismatch",
        "cuda-oom", "nccl-timeout", "gpu-hardware-fault", "straggler-node", "dataloader-stall",
        "disk-full", "preemption",
        "prompt-prefix-unstable", "tool-schema-order", "prefix-caching-disabled",
        "cache-capacity-eviction", "cache-prefix-too-short", "cache-routing-affinity",
        "chat-template-mismatch", "stop-sequence-misconfig", "max-tokens-truncation",
        "eval-config-change", "answer-extraction-failure", "wrong-checkpoint",
    ]

    /// `ids` as a set, for membership checks.
    public static let known: Set<String> = Set(ids)

    /// True for an id a playbook may name.
    public static func isKnown(_ id: String) -> Bool { known.contains(id) }
}
