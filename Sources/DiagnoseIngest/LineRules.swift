/// The built-in line rules of `TextLogParser`. Order matters only for lines two rules could
/// consume: the earlier one wins.
public enum LineRules {
    public static var builtIn: [LineRuleSpec] { TrainingRules.all + ServingRules.all }
}

/// Training-side line rules (HF, Megatron, DeepSpeed, nanoGPT, torchtitan, Lightning, failure
/// signatures). One line per rule.
public enum TrainingRules {
    public static let all: [LineRuleSpec] = [
    ]
}

/// Serving/eval-side line rules (vLLM, SGLang, lm-eval tables). One line per rule.
public enum ServingRules {
    public static let all: [LineRuleSpec] = [
        vllmStats(),
        vllmPreemption(),
        sglangPrefill(),
        lmEvalTable(),
        serverArgs(),
    ]
}
