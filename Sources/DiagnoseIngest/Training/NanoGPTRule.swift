import DiagnoseCore
import DiagnoseText

/// nanoGPT `train.py` (FORMATS.md A.4): `iter N: loss X, time Tms, mfu M%` (the `mfu` field is
/// absent before 2023-02; the warm-up sentinel `-100.00%` is not a value) and
/// `step N: train loss X, val loss Y` from the eval interval.
final class NanoGPTRule: LineRule {
    let keywords = [": loss ", ": train loss "]
    private static let iter = Rx.make(#"\biter (\d+): loss ([^,\s]+), time ([0-9.]+)ms(?:, mfu (-?[0-9.]+)%)?"#)
    private static let eval = Rx.make(#"\bstep (\d+): train loss ([^,\s]+), val loss (\S+)"#)
    private let mIter = NanoGPTRule.iter.matcher()
    private let mEval = NanoGPTRule.eval.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if mIter.matches(b), let step = mIter.int(1) {
            if let loss = mIter.double(2) { sink.emit(line.metric(.loss, loss, step: step)) }
            if let ms = mIter.double(3) { sink.emit(line.metric(.stepTimeMs, ms, step: step)) }
            if let mfu = mIter.double(4), mfu >= 0 { sink.emit(line.metric(.mfu, mfu, step: step)) }
            return .consumed(step: step)
        }
        if mEval.matches(b), let step = mEval.int(1) {
            if let train = mEval.double(2) { sink.emit(line.metric(.loss, train, step: step, label: "eval_train_loss")) }
            if let val = mEval.double(3) { sink.emit(line.metric(.evalLoss, val, step: step)) }
            return .consumed(step: step)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "nanogpt", examples: [
        ParserExample(name: "nanoGPT iter lines, warm-up mfu sentinel", path: "logs/nanogpt.log", content: """
            iter 0: loss 10.9876, time 3456.78ms, mfu -100.00%
            iter 100: loss 2.3456, time 123.45ms, mfu 35.12%
            iter 200: loss nan, time 120.00ms
            step 500: train loss 1.8234, val loss 1.9012
            saving checkpoint to out
            """, expect: [
                .metric(name: .loss, value: 10.9876, step: 0, line: 1),
                .metric(name: .stepTimeMs, value: 3456.78, step: 0, line: 1),
                .metric(name: .mfu, value: 35.12, step: 100, line: 2),
                .nonFinite(name: .loss, step: 200, line: 3),
                .metric(name: .evalLoss, value: 1.9012, step: 500, line: 4),
                .metric(name: .loss, value: 1.8234, step: 500, line: 4),
                .event(kind: .checkpointSave, line: 5, step: 500),
                .count(metrics: 9),
            ]),
    ]) { NanoGPTRule() }
}
