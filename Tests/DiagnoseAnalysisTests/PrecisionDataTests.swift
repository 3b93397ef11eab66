import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

@Suite struct PrecisionDataTests {
    func overflow(_ line: Int, step: Int, from: Double, to: Double) -> Sourced<LogEvent> {
        Fx.event(.overflowSkip, line: line, step: step, severity: .info,
                 message: "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: \(Int(from)), reducing to \(Int(to))",
                 detail: .overflow(attempted: from, reducedTo: to))
    }

    @Test func calibrationBurstIsNotFrequentOverflow() {
        var scale = 65536.0
        let events = (1...5).map { i -> Sourced<LogEvent> in defer { scale /= 2 }; return overflow(i * 2, step: i, from: scale, to: scale / 2) }
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(400, seed: 1))], events: events)
        #expect(OverflowDetector().detect(Fx.input(run)).isEmpty)
        #expect(LossScaleCollapseDetector().detect(Fx.input(run)).isEmpty)
    }

    @Test func overflowsThroughoutTheRun() {
        var scale = 65536.0
        var events: [Sourced<LogEvent>] = []
        for (i, step) in [1, 2, 3, 120, 160, 190, 220, 240, 250, 255, 258, 260, 261, 262].enumerated() {
            events.append(overflow(1000 + i, step: step, from: scale, to: scale / 2)); scale /= 2
        }
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(262, seed: 1))], events: events)
        let out = OverflowDetector().detect(Fx.input(run))
        #expect(out.count == 1 && out[0].magnitude == 11 && out[0].onsetStep == 120)
        let collapse = LossScaleCollapseDetector().detect(Fx.input(run))
        #expect(collapse.count == 1 && collapse[0].after == 4 && collapse[0].magnitude >= 10)
    }

    @Test func lossScaleSeriesCollapse() {
        var v = [Double](repeating: 65536, count: 300)
        for i in 200..<300 { v[i] = max(1, 65536 / pow(2, Double(i - 199))) }
        let out = LossScaleCollapseDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.lossScale, v)])))
        #expect(out.count == 1 && out[0].magnitude == 16 && (200...203).contains(out[0].onsetStep ?? 0))
    }

    @Test func healthyDynamicScaleAndBF16AreQuiet() {
        var r = RNG(4)
        let dyn = (0..<300).map { _ in pow(2, 15 + Double(Int(r.uniform() * 3))) }
        let bf16 = [Double](repeating: 1, count: 300)
        let run = Fx.obs(series: [Fx.series(.lossScale, dyn), Fx.series(.lossScale, bf16, source: "logs/b.log")])
        #expect(LossScaleCollapseDetector().detect(Fx.input(run)).isEmpty)
    }

    @Test func lossScaleMinEvent() {
        let e = Fx.event(.lossScaleMin, line: 77, step: 300, severity: .fatal,
                         message: "Exception: Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.")
        let out = LossScaleCollapseDetector().detect(Fx.input(Fx.obs(events: [e])))
        #expect(out.count == 1 && out[0].evidence[0].line == 77)
    }

    @Test func skippedIterationsCount() {
        var skipped = [Double](repeating: 0, count: 100)
        for i in stride(from: 40, to: 100, by: 5) { skipped[i] = 2 }
        let run = Fx.obs(series: [Fx.series(.skippedIters, skipped, every: 10)])
        let out = OverflowDetector().detect(Fx.input(run))
        #expect(out.count == 1 && out[0].magnitude == 24 && out[0].onsetStep == 401)
    }

    // MARK: sawtooth

    func epochs(_ n: Int, perEpoch: Int) -> MetricSeries {
        Fx.series(.epoch, (0..<n).map { Double($0) / Double(perEpoch) })
    }

    @Test func lossDropsAtEpochBoundaries() {
        var v = Fx.loss(600, seed: 3)
        for i in 0..<600 { v[i] -= 0.5 * Double(i / 150) }
        let run = Fx.obs(series: [Fx.series(.loss, v), epochs(600, perEpoch: 150)])
        let out = SawtoothDetector().detect(Fx.input(run))
        #expect(out.count == 1 && out[0].onsetStep == 151 && out[0].after == 3 && out[0].magnitude > 4)
    }

    @Test func periodicDropsWithoutEpochMetric() {
        var v = Fx.loss(600, seed: 3, noise: 0.02)
        for i in 0..<600 { v[i] += 0.3 * Double(i % 100) / 100 }
        let out = SawtoothDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.count == 1)
        #expect(out.first.map { [0, 1, 2, 98, 99].contains((($0.onsetStep ?? 0) - 1) % 100) } == true)
    }

    @Test func healthyMultiEpochLossIsNotASawtooth() {
        for seed: UInt64 in 1...4 {
            let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(600, seed: seed)), epochs(600, perEpoch: 150)])
            #expect(SawtoothDetector().detect(Fx.input(run)).isEmpty)
            #expect(SawtoothDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, Fx.loss(600, seed: seed))]))).isEmpty)
        }
    }

    // MARK: train/val gap

    func gapRun(rising: Bool, seed: UInt64) -> RunObservations {
        let train = Fx.loss(500, seed: seed, start: 3, floor: rising ? 0.6 : 1.8)
        let eval = (0..<10).map { k -> Double in
            let i = k * 50 + 49
            return rising ? 2.0 + 0.15 * Double(max(0, k - 3)) : train[i] + 0.08
        }
        return Fx.obs(series: [Fx.series(.loss, train), Fx.series(.evalLoss, eval, source: "logs/eval.log", step0: 50, every: 50)])
    }

    @Test func widenGapFires() {
        let out = TrainValGapDetector().detect(Fx.input(gapRun(rising: true, seed: 1), baseline: gapRun(rising: false, seed: 2)))
        #expect(out.count == 1 && out[0].magnitude > 0.3)
    }

    @Test func steadyGapIsQuiet() {
        #expect(TrainValGapDetector().detect(Fx.input(gapRun(rising: false, seed: 3))).isEmpty)
    }

    // MARK: recurring at the same step

    @Test func spikeRecursAfterResume() {
        let base = Fx.loss(400, seed: 7)
        var values: [Double] = [], steps: [Int] = []
        for s in 1...320 { values.append(base[s - 1] + (s == 310 ? 4 : 0)); steps.append(s) }
        for s in 300...400 { values.append(base[s - 1] + (s == 310 ? 3.8 : 0) + 0.01); steps.append(s) }
        let pts = values.enumerated().map { MetricPoint(name: .loss, value: $1, step: steps[$0], line: $0 + 1) }
        let run = Fx.obs(series: [MetricSeries(name: .loss, rank: 0, label: nil, source: "logs/rank0.log", points: pts)])
        let out = RecurringPositionDetector().detect(Fx.input(run))
        #expect(out.count == 1 && out[0].onsetStep == 310 && out[0].evidence.count == 2 && out[0].magnitude > 6)
    }

    @Test func sameLogInTwoFilesIsNotARecurrence() {
        var v = Fx.loss(300, seed: 2)
        v[200] += 3
        let a = Fx.series(.loss, v, source: "logs/train.log"), b = Fx.series(.loss, v, source: "out/trainer_state.json")
        #expect(RecurringPositionDetector().detect(Fx.input(Fx.obs(series: [a, b]))).isEmpty)
    }

    @Test func replayWithoutSpikeIsQuiet() {
        let base = Fx.loss(400, seed: 7)
        let pts = (Array(1...320) + Array(300...400)).enumerated().map { MetricPoint(name: .loss, value: base[$1 - 1], step: $1, line: $0 + 1) }
        let run = Fx.obs(series: [MetricSeries(name: .loss, rank: 0, label: nil, source: "logs/rank0.log", points: pts)])
        #expect(RecurringPositionDetector().detect(Fx.input(run)).isEmpty)
    }

    // MARK: batch shape

    @Test func consumedSamplesPerStepChanged() {
        let run = Fx.obs(series: [Fx.series(.consumedSamples, (1...100).map { Double($0 * 256) }, every: 1)])
        let base = Fx.obs("b", series: [Fx.series(.consumedSamples, (1...100).map { Double($0 * 512) }, every: 1)])
        let out = BatchShapeDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && abs(out[0].magnitude - 0.5) < 0.01)
    }

    @Test func stepsPerEpochChanged() {
        let run = Fx.obs(series: [Fx.series(.epoch, (0..<100).map { Double($0) / 400 })])
        let base = Fx.obs("b", series: [Fx.series(.epoch, (0..<100).map { Double($0) / 100 })])
        let out = BatchShapeDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && out[0].summary.contains("steps per epoch 400 vs 100"))
    }

    @Test func sameBatchIsQuiet() {
        let s = Fx.series(.globalBatchSize, [Double](repeating: 1024, count: 50))
        #expect(BatchShapeDetector().detect(Fx.input(Fx.obs(series: [s]), baseline: Fx.obs("b", series: [s]))).isEmpty)
    }
}

@Suite struct BatchShapeRegressionTests {
    @Test func epochsPassFasterAtTheSameBatch() {
        let gbs = Fx.series(.globalBatchSize, [Double](repeating: 256, count: 100))
        let run = Fx.obs(series: [gbs, Fx.series(.epoch, (0..<100).map { Double($0) / 50 })])
        let base = Fx.obs("b", series: [gbs, Fx.series(.epoch, (0..<100).map { Double($0) / 200 })])
        let out = BatchShapeDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && out[0].metric == .epoch && abs(out[0].magnitude - 4) < 0.01)
        #expect(out[0].summary.contains("global batch size unchanged"))
    }
}

@Suite struct OverflowRegressionTests {
    @Test func oneOverflowPerScaleWindowIsNormal() {
        var events: [Sourced<LogEvent>] = []
        for (i, step) in stride(from: 1000, through: 10000, by: 1000).enumerated() {
            events.append(Fx.event(.overflowSkip, line: 100 + i, step: step, severity: .info,
                                   message: "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 131072, reducing to 65536",
                                   detail: .overflow(attempted: 131072, reducedTo: 65536)))
        }
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(1000, seed: 1), every: 10)], events: events)
        #expect(OverflowDetector().detect(Fx.input(run)).isEmpty)
        #expect(LossScaleCollapseDetector().detect(Fx.input(run)).isEmpty)
    }
}

@Suite struct RecurringRegressionTests {
    @Test func savedHistoriesOfAResumedRunAreNotReplays() {
        var v = Fx.loss(300, seed: 2)
        v[100] += 3
        let a = Fx.series(.loss, Array(v[..<150]), source: "out/checkpoint-150/trainer_state.json")
        let b = Fx.series(.loss, v, source: "out/checkpoint-300/trainer_state.json")
        let resume = Fx.event(.resume, line: 40, source: "logs/train.log", severity: .info, message: "Resuming training from checkpoint-150")
        #expect(RecurringPositionDetector().detect(Fx.input(Fx.obs(series: [a, b], events: [resume]))).isEmpty)
    }

    @Test func replayInANewFileWithFreshValuesRecurs() {
        var first = Fx.loss(300, seed: 2), second = Fx.loss(300, seed: 3)
        first[250] += 3; second[250] += 3.1
        let a = Fx.series(.loss, Array(first[..<260]), source: "attempt1/train.log")
        let b = Fx.series(.loss, Array(second[200...]), source: "attempt2/train.log", step0: 201)
        let out = RecurringPositionDetector().detect(Fx.input(Fx.obs(series: [a, b])))
        #expect(out.count == 1 && out[0].onsetStep == 251 && Set(out[0].evidence.map(\.source)).count == 2)
    }
}

@Suite struct RecurringFailureTests {
    @Test func sameCrashAtTheSameStepInTwoAttempts() {
        let msg = "RuntimeError: Rank 0, node gpu-h001, device 0, iteration 281: Unexpected result nan (message='found NaN in local grad norm')"
        let a = Fx.event(.traceback, line: 124, source: "slurm-1.out", step: 280, rank: 0, message: msg)
        let b = Fx.event(.traceback, line: 61, source: "slurm-2.out", step: 280, rank: 0, message: msg)
        let other = Fx.event(.traceback, line: 70, source: "slurm-3.out", step: 120, rank: 0, message: "OSError: disk")
        let out = RecurringPositionDetector().detect(Fx.input(Fx.obs(events: [a, b, other])))
        #expect(out.count == 1 && out[0].onsetStep == 280 && out[0].magnitude == 100 && out[0].evidence.count == 2)
    }

    @Test func oneCrashPrintedTwiceIsNotARecurrence() {
        let a = Fx.event(.traceback, line: 10, source: "log.txt", step: 50, message: "ValueError: x")
        let b = Fx.event(.traceback, line: 30, source: "log.txt", step: 50, message: "ValueError: x")
        #expect(RecurringPositionDetector().detect(Fx.input(Fx.obs(events: [a, b]))).isEmpty)
    }
}
