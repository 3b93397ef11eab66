import DiagnoseCore

/// Step numbers found in checkpoint paths and resume messages.
enum CheckpointStep {
    /// Markers after which a step number follows, most specific first.
    static let markers = ["checkpoint-", "checkpoint_", "global_step", "iter_", "iteration ", "iteration_",
                          "step_", "step-", "step=", "steps_", "step "]

    /// The step named in a path or message ("…/checkpoint-1200", "iter_0001200", "global_step500").
    static func step(in text: String) -> Int? {
        let lower = text.lowercased()
        for marker in markers {
            var search = lower[...]
            while let r = search.range(of: marker) {
                let digits = lower[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
                if !digits.isEmpty, digits.count <= 12, let n = Int(digits) { return n }
                search = lower[r.upperBound...]
            }
        }
        return nil
    }

    /// The step a checkpoint/resume event refers to: its detail, else its path or message, else its own step.
    static func step(of e: LogEvent) -> Int? {
        if case .checkpoint(let path, let step, _, _) = e.detail {
            if let step { return step }
            if let path, let s = CheckpointStep.step(in: path) { return s }
        }
        return step(in: e.message) ?? e.step
    }

    /// What state the event says came with the checkpoint, as a short phrase, or nil.
    static func missingState(of e: LogEvent) -> String? {
        guard case .checkpoint(_, _, let opt, let sched) = e.detail else { return nil }
        var missing: [String] = []
        if opt == false { missing.append("optimizer") }
        if sched == false { missing.append("scheduler") }
        return missing.isEmpty ? nil : "without " + missing.joined(separator: "/") + " state"
    }
}
