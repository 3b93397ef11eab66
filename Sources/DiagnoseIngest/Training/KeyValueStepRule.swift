import DiagnoseCore
import DiagnoseText

/// Hand-written training loops print their own step lines; the common shapes are a step marker
/// and `key value` fields in any of these spellings:
///
///     [2026-05-02 10:14:31][train][INFO] - step=12060 loss=2.8054 lr=1.800e-05 grad_norm=0.41
///     step 600/2000 | loss 1.1475 | lr 2.1e-04 | mem_reserved 77.9GiB | tok/s/gpu 22,033
///     [2025-11-19 00:05:49] (step=0000040) Train Loss: 0.1951, Train Steps/Sec: 1.38
///
/// A line counts when it has a step marker (`step`, `global_step`, `iter`, `iteration`, with `=`,
/// `:` or a space, optionally `N/total`) and at least one field whose key the metric vocabulary
/// knows (`loss`, `lr`, `grad_norm`, `tokens_per_sec`, …). Fields are separated by `|`, `;`,
/// `, ` or whitespace between `key=value` pairs; a unit after the number (`GiB`, `%`, `ms`) is
/// dropped. The framework rules run first, so their lines never get here.
final class KeyValueStepRule: LineRule {
    let keywords = ["step", "Step", "STEP", "iter", "Iter"]
    private static let marker = Rx.make(
        #"(?i)(?<![A-Za-z_])(?:global[_ ]step|step|iteration|iter)\s*[=:]?\s*\(?0*(\d+)(?:\s*/\s*\d+)?\)?(?![\d.])"#)
    private let mMarker = KeyValueStepRule.marker.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard mMarker.matches(line.payload), let step = mMarker.int(1) else { return .pass }
        var emitted = false
        for (key, name, value) in Self.fields(line.payloadString) {
            sink.emit(line.metric(name, value, step: step, label: name.rawValue == key ? nil : key))
            emitted = true
        }
        return emitted ? .consumed(step: step) : .pass
    }

    /// The `key value` fields of a line whose key the vocabulary knows, in order.
    static func fields(_ s: String) -> [(String, MetricName, Double)] {
        var out: [(String, MetricName, Double)] = []
        var pieces: [Substring] = []
        for part in s.split(whereSeparator: { $0 == "|" || $0 == ";" }) {
            for p in part.components(separatedBy: ", ") { pieces.append(Substring(p)) }
        }
        for piece in pieces {
            let eqCount = piece.filter { $0 == "=" }.count
            if eqCount > 1 {
                for tok in piece.split(separator: " ") where tok.contains("=") {
                    if let f = field(tok) { out.append(f) }
                }
            } else if let f = field(piece) {
                out.append(f)
            }
        }
        return out
    }

    /// One `key value` field: the key is the longest run of the last 1–4 words before `=`, `:` or
    /// the number that the vocabulary knows (nil when none is); the value a number (thousands
    /// commas allowed) or a non-finite spelling, then an optional unit.
    static func field(_ raw: Substring) -> (String, MetricName, Double)? {
        var t = raw.trimmingCharacters(in: .whitespaces)
        // Drop a unit or closing bracket after the number.
        while let c = t.last, c.isLetter || c == "%" || c == ")" || c == "]" || c == "/" {
            let lower = t.lowercased()
            if lower.hasSuffix("nan") || lower.hasSuffix("inf") { break }
            t.removeLast()
        }
        guard let valueStart = t.lastIndex(where: { $0 == " " || $0 == "=" || $0 == ":" || $0 == "(" }) else { return nil }
        let valueText = t[t.index(after: valueStart)...].replacingOccurrences(of: ",", with: "")
        guard !valueText.isEmpty, let v = Numbers.parseDouble(String(valueText)) else { return nil }
        var keyPart = t[..<valueStart].trimmingCharacters(in: .whitespaces)
        while let c = keyPart.last, c == "=" || c == ":" { keyPart.removeLast(); keyPart = keyPart.trimmingCharacters(in: .whitespaces) }
        // Keep the words after the last bracket or dash separator (`- step`, `[train]`).
        if let cut = keyPart.lastIndex(where: { $0 == "]" || $0 == "(" }) { keyPart = String(keyPart[keyPart.index(after: cut)...]) }
        if let dash = keyPart.range(of: " - ", options: .backwards) { keyPart = String(keyPart[dash.upperBound...]) }
        let words = keyPart.split(separator: " ").suffix(4)
        guard let first = words.first?.first, first.isLetter else { return nil }
        for n in stride(from: words.count, through: 1, by: -1) {
            let key = words.suffix(n).joined(separator: " ")
            if let name = MetricVocabulary.name(for: key) { return (key, name, v) }
        }
        return nil
    }

    static let spec = LineRuleSpec(id: "key-value-step", examples: [
        ParserExample(name: "hand-written loop step lines", path: "logs/train.log", content: """
            [2026-05-02 10:14:31,112][train][INFO] - step=12060 loss=2.8054 lr=1.800e-05 grad_norm=0.41
            2026-05-02 10:14:40 [rank0] INFO: step 600/2000 | loss 1.1475 | lr 2.1e-04 | mem_reserved 77.9GiB | tok/s/gpu 22,033
            [2025-11-19 00:05:49] (step=0000040) Train Loss: 0.1951, Train Steps/Sec: 1.38
            step 125/6000 | epoch 0 | loss nan | grad_norm inf
            Saving checkpoint at step 1000 to /ckpt/step_1000
            """, expect: [
                .metric(name: .loss, value: 2.8054, step: 12060, line: 1),
                .metric(name: .lr, value: 1.8e-05, step: 12060, line: 1),
                .metric(name: .gradNorm, value: 0.41, step: 12060, line: 1),
                .metric(name: .loss, value: 1.1475, step: 600, line: 2),
                .metric(name: .lr, value: 2.1e-04, step: 600, line: 2),
                .metric(name: .memoryGB, value: 77.9, step: 600, line: 2),
                .metric(name: .tokensPerS, value: 22033, step: 600, line: 2),
                .metric(name: .loss, value: 0.1951, step: 40, line: 3),
                .nonFinite(name: .loss, step: 125, line: 4),
                .nonFinite(name: .gradNorm, step: 125, line: 4),
                .metric(name: .epoch, value: 0, step: 125, line: 4),
                .count(metrics: 11),
            ]),
    ]) { KeyValueStepRule() }
}
