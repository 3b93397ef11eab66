import DiagnoseCore
import DiagnoseText

/// DeepSpeed fp16 loss scaling and step reports (FORMATS.md A.3): `OVERFLOW! Rank 0 Skipping
/// step` with and without hysteresis, the older `[deepscale]` float form, the fused-optimizer
/// forms, `Reducing dynamic loss scale`, `Current loss scale already at minimum`, the
/// `step=…, skipped=…, lr=[…], mom=[…]` report and both timer/throughput lines.
final class DeepSpeedRule: LineRule {
    let keywords = ["OVERFLOW!", "loss scale overflow", "Grad overflow on iteration", "Reducing dynamic loss scale",
                    "loss scale already at minimum", "skipped=", "SamplesPerSec="]
    private static let overflow = Rx.make(
        #"(?:OVERFLOW! Rank (\d+) Skipping step\.|loss scale overflow! Skipping step\.)(?: Attempted loss scale: ([0-9.eE+]+)(?:, reducing to ([0-9.eE+]+)|, but hysteresis is (\d+)))?"#)
    private static let gradOverflow = Rx.make(#"Grad overflow on iteration:? (\d+)"#)
    private static let reducing = Rx.make(#"Reducing dynamic loss scale from ([0-9.eE+]+) to ([0-9.eE+]+)"#)
    private static let stepReport = Rx.make(#"\bstep=(\d+), skipped=(\d+), lr=\[([^\],]*)"#)
    private static let timer = Rx.make(
        #"(?:global_step=(\d+), RunningAvgSamplesPerSec=([^,]+), CurrSamplesPerSec=([^,]+)|(\d+)/(\d+), SamplesPerSec=([^,]+))(?:, MemAllocated=([0-9.]+)GB, MaxMemAllocated=([0-9.]+)GB)?"#)
    private let mOverflow = DeepSpeedRule.overflow.matcher()
    private let mGrad = DeepSpeedRule.gradOverflow.matcher()
    private let mReducing = DeepSpeedRule.reducing.matcher()
    private let mStep = DeepSpeedRule.stepReport.matcher()
    private let mTimer = DeepSpeedRule.timer.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if mOverflow.matches(b) {
            let attempted = mOverflow.double(2)
            let reduced = mOverflow.double(3)
            // With hysteresis the scale is kept: it stays at the attempted value.
            let scale = reduced ?? (mOverflow.range(4) != nil ? attempted : nil)
            sink.emit(line.event(.overflowSkip, .warning, detail: .overflow(attempted: attempted, reducedTo: reduced)))
            if let scale { sink.emit(line.metric(.lossScale, scale, step: line.step)) }
            return .consumed(step: nil)
        }
        if mGrad.matches(b) {
            let it = mGrad.int(1)
            sink.emit(line.event(.overflowSkip, .warning, detail: .overflow(attempted: nil, reducedTo: nil), step: it))
            return .consumed(step: it)
        }
        if mReducing.matches(b) {
            if let to = mReducing.double(2) { sink.emit(line.metric(.lossScale, to, step: line.step)) }
            return .consumed(step: nil)
        }
        if Bytes.has(b, "loss scale already at minimum") {
            sink.emit(line.event(.lossScaleMin, .fatal))
            return .consumed(step: nil)
        }
        if mStep.matches(b), let step = mStep.int(1) {
            if let skipped = mStep.double(2) { sink.emit(line.metric(.skippedIters, skipped, step: step, label: "cumulative")) }
            if let lr = mStep.double(3) { sink.emit(line.metric(.lr, lr, step: step)) }
            return .consumed(step: step)
        }
        if mTimer.matches(b) {
            let step = mTimer.int(1) ?? mTimer.int(5)
            if let s = mTimer.double(3) ?? mTimer.double(6) { sink.emit(line.metric(.samplesPerS, s, step: step ?? line.step)) }
            if let mem = mTimer.double(8) { sink.emit(line.metric(.memoryGB, mem, step: step ?? line.step, label: "max_allocated")) }
            return .consumed(step: step)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "deepspeed", examples: [
        ParserExample(name: "DeepSpeed overflow, reduce", path: "logs/ds.log", content: """
            [2023-10-31 07:15:50,880] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 16384, reducing to 8192
            """, expect: [
                .event(kind: .overflowSkip, line: 1, contains: "OVERFLOW"),
                .metric(name: .lossScale, value: 8192, line: 1),
                .count(metrics: 1, events: 1),
            ]),
        ParserExample(name: "DeepSpeed overflow with hysteresis", path: "logs/ds.log", content: """
            [2024-09-15 00:13:28,261] [INFO] [loss_scaler.py:190:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 4294967296, but hysteresis is 2. Reducing hysteresis to 1
            """, expect: [.event(kind: .overflowSkip, line: 1), .metric(name: .lossScale, value: 4294967296, line: 1)]),
        ParserExample(name: "[deepscale] float form glued to a tqdm frame", path: "logs/ds.log", content: """
              1%|          | 6/1184 [00:21<1:09:10,  3.52s/it][2021-02-04 15:06:19,825] [INFO] [stage2.py:1357:step] [deepscale] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 134217728.0, reducing to 67108864.0
            """, expect: [.event(kind: .overflowSkip, line: 1), .metric(name: .lossScale, value: 67108864, line: 1)]),
        ParserExample(name: "fused optimizer forms and minimum scale", path: "logs/ds.log", content: """
            [2022-01-01 10:00:00,000] [INFO] [fused_optimizer.py:174:step] [deepspeed] fp16 dynamic loss scale overflow! Skipping step. Attempted loss scale: 2, reducing to 1
            Grad overflow on iteration 1234
            Reducing dynamic loss scale from 4.0 to 2.0
            Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.
            """, expect: [
                .event(kind: .overflowSkip, line: 1),
                .metric(name: .lossScale, value: 1, line: 1),
                .event(kind: .overflowSkip, line: 2, step: 1234),
                .metric(name: .lossScale, value: 2, step: 1234, line: 3),
                .event(kind: .lossScaleMin, line: 4),
            ]),
        ParserExample(name: "DeepSpeed step and timer lines", path: "logs/ds.log", content: """
            [2022-03-11 02:06:58,985] [INFO] [logging.py:69:log_dist] [Rank 0] step=40, skipped=2, lr=[5e-05], mom=[[0.9, 0.999]]
            [2022-03-11 02:06:58,985] [INFO] [timer.py:189:stop] 0/40, SamplesPerSec=83.48609168106144, MemAllocated=0.26GB, MaxMemAllocated=9.02GB
            [2024-03-11 02:06:58,985] [INFO] [timer.py:260:stop] epoch=0/micro_step=80/global_step=40, RunningAvgSamplesPerSec=80.1, CurrSamplesPerSec=83.5, MemAllocated=0.26GB, MaxMemAllocated=9.02GB
            """, expect: [
                .metric(name: .lr, value: 5e-05, step: 40, line: 1, rank: 0),
                .metric(name: .skippedIters, value: 2, step: 40, line: 1),
                .metric(name: .samplesPerS, value: 83.48609168106144, step: 40, line: 2),
                .metric(name: .memoryGB, value: 9.02, step: 40, line: 2),
                .metric(name: .samplesPerS, value: 83.5, step: 40, line: 3),
                .count(metrics: 6, events: 0),
            ]),
    ]) { DeepSpeedRule() }
}
