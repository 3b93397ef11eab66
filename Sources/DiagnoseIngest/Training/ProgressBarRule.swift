import DiagnoseCore
import DiagnoseText

/// tqdm bar frames without metrics (HF Trainer, DeepSpeed, eval loops): consumed so a redrawn
/// bar is not thousands of generic lines; when a record is glued after the bar, the frame is
/// only noted so the other rules and the template miner still see it.
final class ProgressBarRule: LineRule {
    let keywords = ["it/s]", "s/it]"]
    private static let bar = Rx.make(#"\d+/\d+ \[[0-9:?]+<[0-9:?]+,\s+[0-9.?]+(?:it/s|s/it)\]"#)
    private let m = ProgressBarRule.bar.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard m.matches(b), let r = m.range(0) else { return .pass }
        return Bytes.trimmed(b, r.upperBound..<b.count).isEmpty ? .consumed(step: nil) : .noted(step: nil)
    }

    static let spec = LineRuleSpec(id: "progress-bar", examples: [
        ParserExample(name: "HF tqdm bar redrawn with \\r", path: "logs/train.log",
            content: "  0%|          | 0/1184 [00:00<?, ?it/s]\r  0%|          | 1/1184 [00:03<1:09:10,  3.52s/it]\r  0%|          | 2/1184 [00:07<1:09:10,  3.52s/it]\n",
            expect: [.count(metrics: 0, events: 0, unparsed: 0)]),
    ]) { ProgressBarRule() }
}
