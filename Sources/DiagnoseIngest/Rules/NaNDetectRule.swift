import DiagnoseCore
import DiagnoseText

/// Explicit NaN/Inf detections printed by trainers and guards: `Loss is NaN`, `detected inf or
/// nan`, `nan loss detected`, `loss is not finite`, `Non-finite loss`, `NaN or Inf found in input
/// tensor`, `gradients contain nan`.
final class NaNDetectRule: LineRule {
    let keywords = ["NaN", "nan", "Nan", "NAN", "finite", "Inf "]
    private static let pattern = Rx.make(
        #"(?i)\b(?:loss|gradients?|grads?|grad norm|outputs?|logits|activations?)\s+(?:is|are|was|were|became|has become|contains?|has)\s+(?:a\s+)?(?:nan|inf|non-finite|not finite|infinite)\b|\bdetected\s+(?:an?\s+)?(?:inf(?:/| or )nan|nan(?:/| or )inf|nan|non-finite)\b|\b(?:nan|inf|non-finite)\s+(?:loss|gradients?|grads?|values?)\s+(?:detected|found|encountered)|\bnan or inf found\b|\breturned nan values\b|\bnon-finite loss\b|\bencountered (?:a )?nan\b|\bfound (?:an? )?(?:nan|inf|non-finite)\b|\b(?:nan|inf|non-finite)(?: values?)? (?:detected|found|encountered)\b"#)
    private let m = NaNDetectRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload) else { return .pass }
        sink.emit(line.event(.nanDetected, .error))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "nan-detected", examples: [
        ParserExample(name: "NaN/Inf detections", path: "logs/train.log", content: """
            Loss is NaN, stopping training
            RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.
            WARNING: detected inf or nan in gradients at step 1200, skipping
            nan loss detected at iteration 3400
            ValueError: Non-finite loss at step 10
            Found NaN in loss at step 77
            NaN detected in layer 3 output
            tenant quota is fine
            """, expect: [
                .event(kind: .nanDetected, line: 1), .event(kind: .nanDetected, line: 2), .event(kind: .nanDetected, line: 3),
                .event(kind: .nanDetected, line: 4), .event(kind: .nanDetected, line: 5),
                .event(kind: .nanDetected, line: 6), .event(kind: .nanDetected, line: 7),
                .count(events: 7),
            ]),
    ]) { NaNDetectRule() }
}
