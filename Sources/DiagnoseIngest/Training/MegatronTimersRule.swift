import DiagnoseCore
import DiagnoseText

extension MetricName {
    /// Megatron's per-phase timers across ranks (`(min, max) time across ranks (ms):`), labelled
    /// with the timer's name (`forward-backward`, `batch-generator`, `optimizer`, ...). A wide
    /// min/max spread points at a straggler; a growing `batch-generator` at the input pipeline.
    public static let timerMinMs = MetricName("timer_min_ms")
    public static let timerMaxMs = MetricName("timer_max_ms")
    /// A timer printed without the across-ranks spread (older `time (ms) | name: value |` form).
    public static let timerMs = MetricName("timer_ms")
}

/// Megatron timer reports, at the file's current iteration: the `(min, max) time across ranks
/// (ms):` block (`    forward-backward ....: (1006.09, 1373.64)`) and the older one-line
/// `time (ms) | forward-backward: 1006.09 | batch-generator: 296.00 |`. `batch-generator`'s
/// slowest rank is also `data_time_ms`.
final class MegatronTimersRule: LineRule {
    let keywords = ["time across ranks", ".: (", "time (ms) |"]
    private static let spread = Rx.make(#"^\s*([A-Za-z][\w-]*(?: [\w-]+)*) \.+: \(([0-9.eE+-]+), ([0-9.eE+-]+)\)"#)
    private static let flat = Rx.make(#"([A-Za-z][\w-]*(?: [\w-]+)*): ([0-9.]+)"#)
    private let mSpread = MegatronTimersRule.spread.matcher()
    private let mFlat = MegatronTimersRule.flat.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if Bytes.has(b, "time across ranks") { return .consumed(step: nil) }
        if mSpread.matches(b), let name = mSpread.string(1), let lo = mSpread.double(2), let hi = mSpread.double(3) {
            sink.emit(line.metric(.timerMinMs, lo, step: line.step, label: name))
            sink.emit(line.metric(.timerMaxMs, hi, step: line.step, label: name))
            if name == "batch-generator" { sink.emit(line.metric(.dataTimeMs, hi, step: line.step, label: "batch-generator max")) }
            return .consumed(step: nil)
        }
        if let at = Bytes.find(b, "time (ms) |") {
            var from = at + 11
            while from < b.count, mFlat.matches(b, from: from), let r = mFlat.range(0), let name = mFlat.string(1),
                  let v = mFlat.double(2) {
                sink.emit(line.metric(.timerMs, v, step: line.step, label: name))
                if name == "batch-generator" { sink.emit(line.metric(.dataTimeMs, v, step: line.step, label: name)) }
                from = r.upperBound
            }
            return .consumed(step: nil)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "megatron-timers", examples: [
        ParserExample(name: "Megatron timers across ranks", path: "logs/megatron.log", content: """
            15:  iteration      190/     400 | consumed samples:        48640 | elapsed time per iteration (ms): 1428.2 | learning rate: 1.999E-04 | global batch size:   256 | lm loss: 2.5 |
            15: (min, max) time across ranks (ms):
            15:     forward-backward ...............................: (1006.09, 1373.64)
            15:     batch-generator ................................: (296.00, 370.00)
            time (ms) | forward-backward: 1006.09 | optimizer: 12.30 | batch-generator: 296.00
            """, expect: [
                .metric(name: .timerMinMs, value: 1006.09, step: 190, line: 3, rank: 15),
                .metric(name: .timerMaxMs, value: 1373.64, step: 190, line: 3),
                .metric(name: .dataTimeMs, value: 370, step: 190, line: 4),
                .metric(name: .timerMs, value: 12.3, step: 190, line: 5),
                .metric(name: .dataTimeMs, value: 296, step: 190, line: 5),
            ]),
    ]) { MegatronTimersRule() }
}
