import DiagnoseCore

/// The evaluated (or served) checkpoint is not the run's latest: the step in the model path of
/// the eval config (`model_args`, `pretrained=…/checkpoint-N`, `model`, `checkpoint`…) is below
/// the latest `checkpoint-save` of the run, or below the step the baseline evaluated.
///
/// Magnitude: how many steps older the evaluated checkpoint is. `before`: the expected step
/// (latest save, or the baseline's); `after`: the evaluated step.
public struct CheckpointMismatchDetector: Detector {
    public let id = "checkpoint-mismatch"
    public init() {}

    static let keyHints = ["model_args", "pretrained", "model_path", "model_name_or_path", "checkpoint", "model", "ckpt"]

    struct Found { let step: Int; let doc: ConfigDocument; let entry: ConfigEntry }

    /// The model checkpoint an eval/serving config names, with its step.
    static func evaluated(_ obs: RunObservations) -> Found? {
        for doc in obs.configs.sorted(by: { ($0.kind == .eval ? 0 : 1, $0.path) < ($1.kind == .eval ? 0 : 1, $1.path) })
        where doc.kind == .eval || doc.kind == .serving {
            for e in doc.entries {
                let key = e.key.lowercased()
                guard keyHints.contains(where: { key.hasSuffix($0) || key.contains($0 + ".") || key.contains("." + $0) }) else { continue }
                if case .string(let v) = e.value, let step = CheckpointStep.step(in: v) { return Found(step: step, doc: doc, entry: e) }
                if case .text(let v) = e.value, let step = CheckpointStep.step(in: v) { return Found(step: step, doc: doc, entry: e) }
            }
        }
        return nil
    }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let ev = Self.evaluated(input.run) else { return [] }
        let saves = input.run.events([.checkpointSave]).compactMap { e in CheckpointStep.step(of: e.value).map { (e, $0) } }
        if let latest = saves.max(by: { $0.1 < $1.1 }), latest.1 > ev.step {
            return [symptom(ev, expected: latest.1, why: "the run's latest checkpoint", cite: Cite.event(latest.0))]
        }
        if saves.isEmpty, let base = input.baseline, let b = Self.evaluated(base), b.step > ev.step {
            return [symptom(ev, expected: b.step, why: "the baseline's evaluated checkpoint", cite: Cite.config(b.doc, b.entry, baseline: true))]
        }
        return []
    }

    private func symptom(_ ev: Found, expected: Int, why: String, cite: Evidence) -> Symptom {
        Symptom(kind: .checkpointMismatch, configKey: ev.entry.key, magnitude: Double(expected - ev.step),
                before: Double(expected), after: Double(ev.step),
                summary: "evaluated checkpoint is step \(ev.step) (\(ev.doc.path): \(ev.entry.key)); \(why) is step \(expected)",
                evidence: [Cite.config(ev.doc, ev.entry), cite])
    }
}
