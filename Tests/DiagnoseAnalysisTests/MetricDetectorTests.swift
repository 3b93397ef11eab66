import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

@Suite struct MetricDetectorTests {
    // MARK: non-finite

    @Test func firstNaNPerSeriesWithLastFiniteValue() {
        var v = Fx.loss(200, seed: 3)
        for i in 150..<200 { v[i] = .nan }
        v[152] = 3.0
        let s = Fx.series(.loss, v, rank: 2, lineStride: 2)
        let out = NonFiniteDetector().detect(Fx.input(Fx.obs(series: [s])))
        #expect(out.count == 1)
        let sym = out[0]
        #expect(sym.onsetStep == 151 && sym.rank == 2 && sym.magnitude == 49)
        #expect(sym.evidence[0].line == 1 + 150 * 2)
        #expect(sym.before == v[149])
        #expect(sym.summary.contains("loss became nan at step 151 on rank 2"))
    }

    @Test func nanDetectedEventIsANonFiniteSymptom() {
        let e = Fx.event(.nanDetected, line: 40, step: 12, rank: 1, message: "Detected NaN in loss, skipping")
        let out = NonFiniteDetector().detect(Fx.input(Fx.obs(events: [e])))
        #expect(out.count == 1 && out[0].eventKind == .nanDetected && out[0].evidence[0].excerpt.contains("Detected NaN"))
    }

    @Test func finiteSeriesIsQuiet() {
        #expect(NonFiniteDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, Fx.loss(100, seed: 1))]))).isEmpty)
    }

    // MARK: spikes

    @Test func lossSpikeInMADUnits() {
        var v = Fx.loss(500, seed: 5)
        v[300] += 3.0
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v, rank: 0)])))
        #expect(out.count == 1)
        #expect(out[0].onsetStep == 301 && out[0].magnitude > 20)
        #expect(out[0].summary.hasPrefix("loss spiked to"))
        #expect(out[0].summary.contains("at step 301 on rank 0"))
    }

    @Test func spikesAreCounted() {
        var v = Fx.gradNorm(600, seed: 9)
        for i in [200, 350, 480] { v[i] = 12 }
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.gradNorm, v)])))
        #expect(out.count == 1 && out[0].summary.contains("3 spikes") && out[0].evidence.count == 3)
    }

    @Test func warmupTransientAndNoiseDoNotSpike() {
        for seed: UInt64 in 1...8 {
            let obs = Fx.obs(series: [Fx.series(.loss, Fx.loss(400, seed: seed)), Fx.series(.gradNorm, Fx.gradNorm(400, seed: seed))])
            #expect(SpikeDetector().detect(Fx.input(obs)).isEmpty, "seed \(seed)")
        }
    }

    @Test func benignSmallBumpDoesNotFireStrongly() {
        var v = Fx.loss(400, seed: 4, noise: 0.05)
        v[250] += 0.12
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.allSatisfy { $0.magnitude < 8 })
    }

    // MARK: divergence

    @Test func lossDivergesAfterMinimum() {
        var v = Fx.loss(400, seed: 6)
        var r = RNG(66)
        for i in 280..<400 { v[i] = v[279] + 0.05 * Double(i - 279) + 0.04 * r.normal() }
        let out = DivergenceDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.count == 1)
        #expect((285...320).contains(out[0].onsetStep ?? 0))
        #expect(out[0].magnitude > 1)
    }

    @Test func healthyCurvesDoNotDiverge() {
        for seed: UInt64 in 1...6 {
            let obs = Fx.obs(series: [Fx.series(.loss, Fx.loss(500, seed: seed)), Fx.series(.gradNorm, Fx.gradNorm(500, seed: seed))])
            #expect(DivergenceDetector().detect(Fx.input(obs)).isEmpty)
        }
    }

    // MARK: plateau

    @Test func lossStallsWhereBaselineKeptImproving() {
        let base = Fx.loss(400, seed: 2, start: 4, floor: 1.5)
        var run = Fx.loss(400, seed: 3, start: 4, floor: 1.5)
        var r = RNG(5)
        for i in 100..<400 { run[i] = run[99] + 0.03 * r.normal() }
        let out = PlateauDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, run)]),
                                                     baseline: Fx.obs("b", series: [Fx.series(.loss, base)])))
        #expect(out.count == 1 && out[0].magnitude > 0.7)
    }

    @Test func flatLossWithoutBaseline() {
        var v = Fx.loss(300, seed: 8)
        var r = RNG(3)
        for i in 60..<300 { v[i] = v[59] + 0.04 * r.normal() }
        let out = PlateauDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.count == 1 && out[0].magnitude >= 0.5)
    }

    @Test func healthyLossIsNotAPlateau() {
        for seed: UInt64 in 1...5 {
            let input = Fx.input(Fx.obs(series: [Fx.series(.loss, Fx.loss(500, seed: seed))]),
                                 baseline: Fx.obs("b", series: [Fx.series(.loss, Fx.loss(500, seed: seed + 50))]))
            #expect(PlateauDetector().detect(input).isEmpty)
            #expect(PlateauDetector().detect(Fx.input(input.run)).isEmpty)
        }
    }

    // MARK: level shifts

    @Test func gradNormLevelShiftUp() {
        var v = Fx.gradNorm(400, seed: 4)
        for i in 250..<400 { v[i] += 1.5 }
        let out = LevelShiftDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.gradNorm, v)])))
        #expect(out.count == 1 && out[0].kind == .levelShiftUp)
        #expect((248...253).contains(out[0].onsetStep ?? 0))
        #expect(out[0].magnitude > 1)
    }

    @Test func lossLevelShiftOnADecayingCurve() {
        var v = Fx.loss(500, seed: 4)
        for i in 300..<500 { v[i] += 0.6 }
        let out = LevelShiftDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.of(.levelShiftUp).count == 1)
        #expect((298...303).contains(out[0].onsetStep ?? 0))
    }

    @Test func lrDiscontinuityIsALevelShift() {
        var v = Fx.lr(300)
        for i in 200..<300 { v[i] = Fx.lr(300)[60] }
        let out = LevelShiftDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.lr, v)])))
        #expect(out.count == 1 && out[0].kind == .levelShiftUp && out[0].onsetStep == 201)
    }

    @Test func healthyCurvesHaveNoLevelShift() {
        for seed: UInt64 in 1...6 {
            let obs = Fx.obs(series: [Fx.series(.loss, Fx.loss(500, seed: seed)), Fx.series(.gradNorm, Fx.gradNorm(500, seed: seed)),
                                      Fx.series(.lr, Fx.lr(500))])
            #expect(LevelShiftDetector().detect(Fx.input(obs)).isEmpty, "seed \(seed)")
        }
    }

    // MARK: high from start

    @Test func lossHighFromStartAgainstBaseline() {
        let base = Fx.loss(300, seed: 1, start: 2.5, floor: 1.2)
        let run = Fx.loss(300, seed: 2, start: 11, floor: 6)
        let out = HighFromStartDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, run)]),
                                                          baseline: Fx.obs("b", series: [Fx.series(.loss, base)])))
        #expect(out.count == 1 && out[0].magnitude > 3 && out[0].onsetStep == 1)
        #expect(out[0].evidence.contains { $0.source == "baseline:logs/train.log" })
    }

    @Test func similarStartIsQuiet() {
        let input = Fx.input(Fx.obs(series: [Fx.series(.loss, Fx.loss(300, seed: 1))]),
                             baseline: Fx.obs("b", series: [Fx.series(.loss, Fx.loss(300, seed: 2))]))
        #expect(HighFromStartDetector().detect(input).isEmpty)
    }
}

@Suite struct ResumedRunRegressionTests {
    @Test func resumedRunStartingAtPeakIsNotMissingWarmup() {
        let base = Fx.obs("b", series: [Fx.series(.lr, Fx.lr(1000, warmup: 100))])
        let run = Fx.obs(series: [Fx.series(.lr, Array(Fx.lr(1000, warmup: 100)[600...]), step0: 601)])
        #expect(LRScheduleDetector().detect(Fx.input(run, baseline: base)).of(.lrNoWarmup).isEmpty)
    }

    @Test func resumedBaselineDoesNotMakeTheRunHighFromStart() {
        let full = Fx.loss(1000, seed: 3)
        let base = Fx.obs("b", series: [Fx.series(.loss, Array(full[500...]), step0: 501)])
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(1000, seed: 4))])
        #expect(HighFromStartDetector().detect(Fx.input(run, baseline: base)).isEmpty)
    }

    @Test func megatronNaNIterationsCounter() {
        var v = [Double](repeating: 0, count: 50)
        v[30] = 3; v[31] = 10
        let out = NonFiniteDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.nanIters, v, every: 10)])))
        #expect(out.count == 1 && out[0].metric == .nanIters && out[0].magnitude == 13 && out[0].onsetStep == 301)
    }
}

@Suite struct DivergenceRegressionTests {
    @Test func climbThatLaterRecoversIsStillADivergence() {
        var r = RNG(23)
        let v = (0..<200).map { (i: Int) -> Double in
            let base = 3.4 - 0.004 * Double(i)
            let hump = i >= 20 && i < 120 ? 1.5 * sin(Double.pi * Double(i - 20) / 100) : 0
            return base + hump + 0.2 * r.normal()
        }
        let out = DivergenceDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v, step0: 2, every: 2)])))
        #expect(out.count == 1 && out[0].magnitude > 0.25 && (30...90).contains(out[0].onsetStep ?? 0))
        #expect(out.first?.summary.contains("recovered") == true)
    }
}

@Suite struct IsolatedGradSpikeTests {
    @Test func loneGradSpikeTheLossIgnoresIsCapped() {
        var g = Fx.gradNorm(300, seed: 4)
        g[200] = 15
        let loss = Fx.loss(300, seed: 4)
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.gradNorm, g), Fx.series(.loss, loss)])))
        #expect(out.count == 1 && out[0].magnitude == SpikeDetector.isolatedGradCap && out[0].summary.contains("isolated"))
        var l2 = loss
        l2[200] += 3
        let both = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.gradNorm, g), Fx.series(.loss, l2)])))
        #expect(both.first { $0.metric == .gradNorm }.map { $0.magnitude > 100 } == true)
    }
}

@Suite struct SpikeOnTheDescentTests {
    @Test func aSteepEarlyDescentIsNoSpike() {
        // Loss logged every 20 steps: 12.6, 10.0, 8.0, 6.6, 5.6, … then flat noise.
        var v: [Double] = [12.59, 10.02, 7.99, 6.62, 5.60, 4.85, 4.30, 3.92, 3.65, 3.45]
        v += Fx.noisy(42, level: 3.0, sd: 0.02, seed: 3)
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.isEmpty)
    }

    @Test func aJumpUpIsStillASpike() {
        var v = Fx.noisy(60, level: 3.0, sd: 0.02, seed: 4)
        v[40] = 4.5
        let out = SpikeDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.loss, v)])))
        #expect(out.count == 1 && out[0].magnitude > 6)
    }
}

@Suite struct DataLoadingShareTests {
    @Test func aShareThatRisesWithinTheRunIsADataWait() throws {
        var v = Fx.noisy(30, level: 0.5, sd: 0.05, seed: 5)
        v += Fx.noisy(50, level: 48, sd: 6, seed: 6)
        let run = Fx.obs(series: [Fx.series(.dataLoadingPct, v)])
        let s = try #require(DataWaitDetector().detect(Fx.input(run)).first)
        #expect(s.kind == .dataWaitRise && s.magnitude > 20)
    }

    @Test func aShareAboveTheBaselinesFromTheStartIsADataWait() throws {
        let base = Fx.obs("b", series: [Fx.series(.dataLoadingPct, Fx.noisy(40, level: 0.006, sd: 0.001, seed: 7))])
        let run = Fx.obs(series: [Fx.series(.dataLoadingPct, Fx.noisy(40, level: 0.45, sd: 0.08, seed: 8))])
        let s = try #require(DataWaitDetector().detect(Fx.input(run, baseline: base)).first)
        #expect(s.after! > 0.3 && s.before! < 0.01)
    }

    @Test func aSmallShareThatWobblesIsQuiet() {
        let base = Fx.obs("b", series: [Fx.series(.dataLoadingPct, Fx.noisy(40, level: 0.8, sd: 0.1, seed: 9))])
        let run = Fx.obs(series: [Fx.series(.dataLoadingPct, Fx.noisy(40, level: 1.2, sd: 0.1, seed: 10))])
        #expect(DataWaitDetector().detect(Fx.input(run, baseline: base)).isEmpty)
    }
}
