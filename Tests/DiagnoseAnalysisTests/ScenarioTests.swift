import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

/// Whole-detector-set runs on small incident-shaped inputs: the symptoms an engine needs appear,
/// with evidence that resolves to the records given.
@Suite struct ScenarioTests {
    @Test func resumeWithoutSchedulerState() {
        let sched = Fx.lr(800, warmup: 40, total: 800)
        let loss = Fx.loss(800, seed: 9)
        var lr: [MetricPoint] = [], ls: [MetricPoint] = []
        var line = 1
        for s in 1...520 { lr.append(MetricPoint(name: .lr, value: sched[s - 1], step: s, line: line)); ls.append(MetricPoint(name: .loss, value: loss[s - 1], step: s, line: line)); line += 1 }
        let resumeLine = line + 5
        line = resumeLine + 1
        var r = RNG(3)
        for s in 500...800 {
            let k = s - 500
            lr.append(MetricPoint(name: .lr, value: sched[min(799, k)], step: s, line: line))
            let bump = k < 40 ? 1.2 * exp(-Double(k) / 12) : 0
            ls.append(MetricPoint(name: .loss, value: loss[s - 1] + bump + 0.01 * r.normal(), step: s, line: line))
            line += 1
        }
        let resume = Fx.event(.checkpointLoad, line: resumeLine, source: "logs/train.log", severity: .info,
                              message: "Loading checkpoint from out/checkpoint-500 (optimizer: yes, lr_scheduler: missing)",
                              detail: .checkpoint(path: "out/checkpoint-500", step: 500, optimizerState: true, schedulerState: false))
        let run = Fx.obs(series: [MetricSeries(name: .lr, rank: nil, label: nil, source: "logs/train.log", points: lr),
                                  MetricSeries(name: .loss, rank: nil, label: nil, source: "logs/train.log", points: ls)],
                         events: [resume])
        let input = Fx.input(run)
        let out = Detectors.run(input)
        let jump = out.of(.lrJumpAtResume)
        #expect(jump.count == 1 && jump.first?.onsetStep == 500)
        #expect(out.of(.resumeEvent).first?.onsetStep == 500)
        #expect(Fx.grounded(out, input))
        let timeline = Timeline.entries(input, out)
        #expect(timeline.count == out.count)
    }

    @Test func ncclTimeoutCascadeAfterOneRankDies() {
        var series: [MetricSeries] = []
        var events: [Sourced<LogEvent>] = []
        for r in 0..<4 {
            let n = r == 2 ? 300 : 302
            series.append(Fx.series(.loss, Fx.loss(n, seed: 1), source: "logs/rank\(r).log", rank: r))
            series.append(Fx.series(.stepTimeMs, Fx.noisy(n, level: 900, sd: 10, seed: UInt64(r)), source: "logs/rank\(r).log",
                                    rank: r, firstLine: 400))
        }
        events.append(Fx.event(.xid, line: 12, source: "kernel/dmesg.log", time: Fx.t0 + 2995, message: "NVRM: Xid (PCI:0000:41:00): 79, pid=88, GPU has fallen off the bus.",
                               detail: .xid(code: 79, meaning: "GPU has fallen off the bus", pci: "0000:41:00")))
        for r in [0, 1, 3] {
            events.append(Fx.event(.ncclTimeout, line: 800, source: "logs/rank\(r).log", time: Fx.t0 + 3610 + Double(r), rank: r,
                                   message: "[rank\(r)]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank \(r)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1531, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600052 milliseconds before timing out."))
        }
        let input = Fx.input(Fx.obs(series: series, events: events))
        let out = Detectors.run(input)
        #expect(out.of(.rankStoppedFirst).first?.rank == 2)
        #expect(out.of(.cascade).count == 3)
        #expect(out.of(.cascade).allSatisfy { $0.summary.contains("follows xid") })
        #expect(out.of(.failure).contains { $0.eventKind == .xid })
        #expect(Fx.grounded(out, input))
    }

    @Test func fp16OverflowThenNaN() {
        var loss = Fx.loss(400, seed: 2)
        for i in 330..<400 { loss[i] = .nan }
        var scale = [Double](repeating: 65536, count: 400)
        var events: [Sourced<LogEvent>] = []
        var s = 65536.0
        for i in 250..<400 where i % 5 == 0 || i > 320 {
            events.append(Fx.event(.overflowSkip, line: 2000 + i, step: i + 1, severity: .info,
                                   message: "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: \(Int(s)), reducing to \(Int(max(1, s / 2)))",
                                   detail: .overflow(attempted: s, reducedTo: max(1, s / 2))))
            s = max(1, s / 2)
            for j in i..<400 { scale[j] = s }
        }
        let input = Fx.input(Fx.obs(series: [Fx.series(.loss, loss), Fx.series(.lossScale, scale, firstLine: 1)], events: events))
        let out = Detectors.run(input)
        #expect(out.of(.overflowFrequent).count == 1)
        #expect(out.of(.lossScaleCollapse).count == 1)
        #expect(out.of(.nonFinite).first?.onsetStep == 331)
        #expect(Fx.grounded(out, input))
    }
}
