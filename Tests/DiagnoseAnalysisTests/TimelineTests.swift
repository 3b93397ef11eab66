import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

@Suite struct TimelineTests {
    @Test func mapsStepsAndTimesBothWays() {
        let tl = Timeline(anchors: [.init(step: 10, time: 100), .init(step: 20, time: 200), .init(step: 40, time: 300)])
        #expect(tl.time(atStep: 20) == 200)
        #expect(tl.time(atStep: 30) == 250)
        #expect(tl.time(atStep: 0) == 0)
        #expect(tl.time(atStep: 60) == 400)
        #expect(tl.step(atTime: 250) == 30)
        #expect(tl.step(atTime: 150) == 15)
    }

    @Test func replayedStepsKeepTheirFirstTime() {
        let tl = Timeline(anchors: [.init(step: 1, time: 10), .init(step: 2, time: 20), .init(step: 3, time: 30),
                                    .init(step: 2, time: 500), .init(step: 3, time: 510), .init(step: 4, time: 520)])
        #expect(tl.time(atStep: 2) == 20)
        #expect(tl.anchors.map(\.step) == [1, 2, 3, 4])
    }

    @Test func emptyAndSingleAnchor() {
        #expect(Timeline(anchors: []).time(atStep: 3) == nil)
        let one = Timeline(anchors: [.init(step: 5, time: 50)])
        #expect(one.time(atStep: 5) == 50 && one.time(atStep: 6) == nil && one.step(atTime: 50) == 5)
    }

    @Test func entriesOrderSymptomsAndKeyEventsInTime() {
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(100, seed: 1))], events: [
            Fx.event(.trainingStart, line: 1, time: Fx.t0 - 1, severity: .info, message: "***** Running training *****"),
        ])
        let fromTime = Symptom(kind: .failure, eventKind: .xid, onsetTime: Fx.t0 + 504, magnitude: 1, summary: "xid 79",
                               evidence: [Evidence(kind: .log, source: "kernel/dmesg.log", line: 9, excerpt: "NVRM: Xid 79")])
        let fromStep = Symptom(kind: .spike, metric: .loss, onsetStep: 31, magnitude: 9, summary: "loss spiked",
                               evidence: [Evidence(kind: .metric, source: "logs/train.log", line: 31, excerpt: "loss 9")])
        let entries = Timeline.entries(Fx.input(run), [fromTime, fromStep])
        #expect(entries.map(\.label.first) == ["t", "m", "f"])
        #expect(entries[1].time == Fx.t0 + 300 && entries[2].step == 51 && entries[2].line == 9)
    }

    @Test func detectorOutputIsDeterministicAndGrounded() throws {
        var run = Fx.healthyTraining("run", seed: 3)
        run.series[0].points[400].value += 5
        run.series[1].points[200].value = .nan
        let input = Fx.input(run, baseline: Fx.healthyTraining("base", seed: 4))
        let a = Detectors.run(input)
        var shuffled = input
        shuffled.run.series.reverse(); shuffled.run.events.reverse()
        let b = Detectors.run(shuffled)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        #expect(!a.isEmpty)
        #expect(try enc.encode(a) == enc.encode(b))
        #expect(Fx.grounded(a, input))
        #expect(a.allSatisfy { $0.magnitude.isFinite && ($0.onsetStep != nil || $0.onsetTime != nil) })
    }
}
