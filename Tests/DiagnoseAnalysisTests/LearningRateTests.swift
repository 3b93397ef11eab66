import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

@Suite struct LearningRateTests {
    /// A run that crashed at step 260 and resumed from checkpoint-200 in the same log; `reset`
    /// replays the schedule from its start (scheduler state lost).
    func resumed(reset: Bool, toWarmup: Bool = false) -> RunObservations {
        let sched = Fx.lr(600, warmup: 20, total: 300)
        var values: [Double] = [], steps: [Int] = []
        for s in 1...260 { values.append(sched[s - 1]); steps.append(s) }
        for s in 200...400 { values.append(reset ? sched[min(599, s - 200 + (toWarmup ? 0 : 30))] : sched[s - 1]); steps.append(s) }
        // lines: first pass 1..260, the resume line at 300, second pass from 301
        let pts = values.enumerated().map { i, v in
            MetricPoint(name: .lr, value: v, step: steps[i], line: i < 260 ? i + 1 : 301 + (i - 260))
        }
        let e = Fx.event(.checkpointLoad, line: 300, severity: .info, message: "Resuming training from checkpoint-200",
                         detail: .checkpoint(path: "out/checkpoint-200", step: 200, optimizerState: true, schedulerState: false))
        return Fx.obs(series: [MetricSeries(name: .lr, rank: nil, label: nil, source: "logs/train.log", points: pts)], events: [e])
    }

    @Test func lrJumpsBackToPeakAtResume() {
        let out = LRResumeJumpDetector().detect(Fx.input(resumed(reset: true)))
        #expect(out.count == 1)
        let s = out[0]
        #expect(s.onsetStep == 200 && s.magnitude > 1.5 && s.after! > s.before!)
        #expect(s.evidence.map(\.line) == [300, 199, 301])
        #expect(s.summary.contains("without scheduler state"))
    }

    @Test func lrRestartsWarmupAtResume() {
        let out = LRResumeJumpDetector().detect(Fx.input(resumed(reset: true, toWarmup: true)))
        #expect(out.count == 1 && out[0].after! < out[0].before! && out[0].magnitude > 3)
        #expect(out.first?.summary.contains("warm-up") == true)
    }

    @Test func correctResumeContinuesTheSchedule() {
        #expect(LRResumeJumpDetector().detect(Fx.input(resumed(reset: false))).isEmpty)
        #expect(ResumeDetector().detect(Fx.input(resumed(reset: false))).first?.onsetStep == 200)
    }

    @Test func resumeInANewFileUsesThePreviousFile() {
        let sched = Fx.lr(600, warmup: 20, total: 250)
        let first = Fx.series(.lr, Array(sched[0..<260]), source: "attempt1/train.log")
        let second = Fx.series(.lr, (200..<400).map { _ in 3e-4 }, source: "attempt2/train.log", step0: 200, firstLine: 20)
        let e = Fx.event(.resume, line: 12, source: "attempt2/train.log", message: "Resuming from iteration 200")
        let out = LRResumeJumpDetector().detect(Fx.input(Fx.obs(series: [first, second], events: [e])))
        #expect(out.count == 1 && out[0].evidence[1].source == "attempt1/train.log" && out[0].evidence[1].step == 199)
    }

    @Test func missingWarmupAgainstBaseline() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(400, warmup: 100))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(400, warmup: 0))])
        let out = LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrNoWarmup)
        #expect(out.count == 1 && out[0].magnitude >= 50 && out[0].onsetStep == 1)
    }

    /// Regression: a run that crashed during the baseline's warm-up is still ramping when it
    /// stops; its last LR is not a peak reached early.
    @Test func aRunThatEndedDuringWarmupSaysNothingAboutWarmup() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(400, warmup: 35))])
        let run = Fx.obs(series: [Fx.series(.lr, Array(Fx.lr(400, warmup: 35)[0..<7]))])
        #expect(LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrNoWarmup).isEmpty)
    }

    @Test func peakAboveBaseline() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(400, peak: 1e-4))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(400, peak: 1e-3))])
        let out = LRScheduleDetector().detect(Fx.input(run, baseline: base))
        #expect(out.of(.lrPeakAboveBaseline).first.map { abs($0.magnitude - 10) < 0.01 } == true)
        #expect(out.of(.lrNoWarmup).isEmpty)
    }

    @Test func floorReachedEarly() {
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(400, warmup: 20, total: 120))])
        let out = LRScheduleDetector().detect(Fx.input(run))
        #expect(out.of(.lrFloorEarly).count == 1)
        #expect((out.of(.lrFloorEarly).first?.magnitude ?? 0) > 0.6)
    }

    @Test func flatWhereBaselineDecayed() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(400))])
        let flat: [Double] = (0..<400).map { (i: Int) -> Double in i < 50 ? 3e-4 * Double(i + 1) / 50.0 : 3e-4 }
        let run = Fx.obs(series: [Fx.series(.lr, flat)])
        let out = LRScheduleDetector().detect(Fx.input(run, baseline: base))
        #expect(out.of(.lrFlat).count == 1 && out.of(.lrFlat)[0].magnitude > 2)
        #expect(out.of(.lrNoWarmup).isEmpty)
    }

    @Test func sameScheduleAsBaselineIsQuiet() {
        let input = Fx.input(Fx.obs(series: [Fx.series(.lr, Fx.lr(500))]), baseline: Fx.obs("b", series: [Fx.series(.lr, Fx.lr(500))]))
        #expect(LRScheduleDetector().detect(input).isEmpty)
        #expect(LRScheduleDetector().detect(Fx.input(input.run)).isEmpty)
    }
}

@Suite struct LRReplayRegressionTests {
    @Test func correctResumeWithReplayIsNotAnLRJump() {
        let t = LearningRateTests()
        #expect(LevelShiftDetector().detect(Fx.input(t.resumed(reset: false))).isEmpty)
        let out = LevelShiftDetector().detect(Fx.input(t.resumed(reset: true)))
        #expect(out.count == 1 && out[0].kind == .levelShiftUp && out[0].onsetStep == 200 && out[0].evidence[0].step == 199)
    }
}

@Suite struct LRFloorRegressionTests {
    @Test func floorAtExactlyTenPercentOfPeak() {
        let v = (0..<400).map { i -> Double in
            if i < 40 { return 3e-4 * Double(i + 1) / 40 }
            if i < 80 { return 3e-5 + (3e-4 - 3e-5) * 0.5 * (1 + cos(Double.pi * Double(i - 40) / 40)) }
            return 3e-5
        }
        let out = LRScheduleDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.lr, v)]),
                                                        baseline: Fx.obs("b", series: [Fx.series(.lr, Fx.lr(400, warmup: 40))])))
        #expect(out.of(.lrFloorEarly).count == 1 && (out.of(.lrFloorEarly).first?.magnitude ?? 0) > 0.7)
    }
}

@Suite struct LRRampRegressionTests {
    @Test func fastLinearDecayToZeroIsNotAJump() {
        let v = (0..<40).map { (i: Int) -> Double in i < 3 ? 2e-5 * Double(i + 1) / 3 : max(0, 2e-5 * (1 - Double(i - 3) / 7)) }
        #expect(LevelShiftDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.lr, v)]))).isEmpty)
    }
}

@Suite struct SubtleResumeJumpTests {
    /// Cosine decay logged every step; at the resume from step 700 the LR comes back 25% higher
    /// (a scheduler rebuilt for another total), far below a doubling but far above the schedule's
    /// per-step change.
    func run(jump: Double) -> RunObservations {
        let sched = Fx.lr(1000, warmup: 50, total: 1000)
        var pts: [MetricPoint] = []
        for s in 1...760 { pts.append(MetricPoint(name: .lr, value: sched[s - 1], step: s, line: s)) }
        for s in 700...900 { pts.append(MetricPoint(name: .lr, value: sched[s - 1] * jump, step: s, line: 800 + s)) }
        let e = Fx.event(.resume, line: 790, severity: .info, message: "Resuming training from checkpoint-700")
        return Fx.obs(series: [MetricSeries(name: .lr, rank: nil, label: nil, source: "logs/train.log", points: pts)], events: [e])
    }

    @Test func aQuarterJumpAgainstASmoothDecayFires() throws {
        let s = try #require(LRResumeJumpDetector().detect(Fx.input(run(jump: 1.25))).first)
        #expect(s.magnitude > 1.2 && s.magnitude < 1.3 && s.onsetStep == 700)
    }

    @Test func aContinuedScheduleStaysQuiet() {
        #expect(LRResumeJumpDetector().detect(Fx.input(run(jump: 1.0))).isEmpty)
        #expect(LRResumeJumpDetector().detect(Fx.input(run(jump: 1.04))).isEmpty)
    }
}

@Suite struct LRBelowBaselineTests {
    @Test func aScheduleSizedForFewerStepsFallsBelowTheBaseline() throws {
        // Both warm up to the same peak; the run's cosine is sized for 2,000 steps, the baseline's
        // for 5,000; the run stops at 1,500, before its floor (so no early-floor symptom).
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(3000, warmup: 100, total: 5000))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(1500, warmup: 100, total: 2000))])
        let out = LRScheduleDetector().detect(Fx.input(run, baseline: base))
        #expect(out.of(.lrFloorEarly).isEmpty)
        let s = try #require(out.of(.lrBelowBaseline).first)
        #expect(s.onsetStep! > 500 && s.onsetStep! < 1200 && s.magnitude > 1.6)
        #expect(s.evidence.count == 4 && s.evidence[1].source.hasPrefix("baseline:"))
    }

    @Test func theSameScheduleWithNoiseIsQuiet() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(3000, warmup: 100, total: 5000))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(2000, warmup: 100, total: 5000).map { $0 * 0.97 })])
        #expect(LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrBelowBaseline).isEmpty)
    }

    @Test func aLongerWarmupCatchesUpAndIsQuiet() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(3000, warmup: 100, total: 3000))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(3000, warmup: 400, total: 3000))])
        #expect(LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrBelowBaseline).isEmpty)
    }

    @Test func aLowerPeakIsNotThisSymptom() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(3000, warmup: 100, total: 3000))])
        let run = Fx.obs(series: [Fx.series(.lr, Fx.lr(3000, warmup: 100, total: 3000).map { $0 * 0.3 })])
        #expect(LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrBelowBaseline).isEmpty)
    }
}
