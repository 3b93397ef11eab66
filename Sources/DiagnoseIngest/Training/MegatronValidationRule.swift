import DiagnoseCore
import DiagnoseText

/// Megatron evaluation lines: ` validation loss at iteration N | lm loss value: X | lm loss PPL: Y |`
/// → `eval_loss` at that iteration (the test-set form, `validation loss at the end of training`,
/// has no iteration and takes the file's current step).
final class MegatronValidationRule: LineRule {
    let keywords = ["validation loss at"]
    private static let pattern = Rx.make(
        #"validation loss at (?:iteration (\d+)|the end of training[^|]*?)\s*\|\s*lm loss value: ([^\s|]+)"#)
    private let m = MegatronValidationRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload), let v = m.double(2) else { return .pass }
        sink.emit(line.metric(.evalLoss, v, step: m.int(1) ?? line.step))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "megatron-validation", examples: [
        ParserExample(name: "Megatron validation loss", path: "logs/megatron.log", content: """
            -----------------------------------------------------------------------------------------------
             validation loss at iteration 1000 | lm loss value: 2.345678E+00 | lm loss PPL: 1.043930E+01 |
            -----------------------------------------------------------------------------------------------
            """, expect: [.metric(name: .evalLoss, value: 2.345678, step: 1000, line: 2), .count(metrics: 1)]),
    ]) { MegatronValidationRule() }
}
