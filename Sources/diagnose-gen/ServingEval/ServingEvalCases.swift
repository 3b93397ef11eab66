import Foundation

/// Serving (prompt cache) and eval incident cases (owned by the serving/eval generator).
enum ServingEvalCases {
    static func make(seed: UInt64) -> [GeneratedCase] {
        let t0 = Date()
        let serving = ServingCases.make(seed: seed)
        let t1 = Date()
        let eval = EvalCases.make(seed: seed)
        if ProcessInfo.processInfo.environment["GEN_TIMING"] != nil {
            FileHandle.standardError.write(Data("serving \(t1.timeIntervalSince(t0))s eval \(Date().timeIntervalSince(t1))s\n".utf8))
        }
        return serving + eval
    }
}
