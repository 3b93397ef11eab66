/// Serving (prompt cache) and eval incident cases (owned by the serving/eval generator).
enum ServingEvalCases {
    static func make(seed: UInt64) -> [GeneratedCase] {
        ServingCases.make(seed: seed) + EvalCases.make(seed: seed)
    }
}
