import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct ThroughputRankTests {
    @Test func stepTimeShiftsUpMidRun() {
        var v = Fx.noisy(400, level: 800, sd: 20, seed: 1)
        for i in 220..<400 { v[i] += 400 }
        let out = ThroughputDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.stepTimeMs, v)])))
        #expect(out.count == 1 && out[0].kind == .stepTimeShift && (219...223).contains(out[0].onsetStep ?? 0))
        #expect(abs(out[0].magnitude - 0.5) < 0.1)
    }

    @Test func mfuDropsButItsWarmupIsIgnored() {
        var v = Fx.noisy(300, level: 0.42, sd: 0.01, seed: 2)
        v[0] = 0.05; v[1] = 0.2
        for i in 180..<300 { v[i] -= 0.15 }
        let out = ThroughputDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.mfu, v)])))
        #expect(out.count == 1 && out[0].kind == .throughputDrop && (179...183).contains(out[0].onsetStep ?? 0))
    }

    @Test func mfuWarmupAloneIsQuiet() {
        var v = Fx.noisy(300, level: 0.42, sd: 0.01, seed: 3)
        for i in 0..<8 { v[i] = 0.42 * Double(i + 1) / 9 }
        let steps = Fx.noisy(300, level: 900, sd: 30, seed: 4).enumerated().map { $0 < 3 ? 3000 : $1 }
        let out = ThroughputDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.mfu, v), Fx.series(.stepTimeMs, steps)])))
        #expect(out.isEmpty, "\(out.map(\.summary))")
    }

    @Test func slowerThanBaselineThroughout() {
        let run = Fx.obs(series: [Fx.series(.tokensPerS, Fx.noisy(200, level: 3000, sd: 50, seed: 1))])
        let base = Fx.obs("b", series: [Fx.series(.tokensPerS, Fx.noisy(200, level: 5000, sd: 50, seed: 2))])
        let out = ThroughputDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && out[0].kind == .throughputDrop && abs(out[0].magnitude - 0.4) < 0.05)
    }

    @Test func dataWaitRises() {
        var v = Fx.noisy(300, level: 5, sd: 1, seed: 5)
        for i in 150..<300 { v[i] += 60 }
        let out = DataWaitDetector().detect(Fx.input(Fx.obs(series: [Fx.series(.dataTimeMs, v)])))
        #expect(out.count == 1 && out[0].magnitude > 5 && (149...153).contains(out[0].onsetStep ?? 0))
    }

    @Test func dataloaderWaitEvents() {
        let events = (0..<6).map { Fx.event(.dataloaderWait, line: 100 + $0 * 10, step: 50 + $0, severity: .warning,
                                             message: "Waiting for data: dataloader is the bottleneck") }
        let out = DataWaitDetector().detect(Fx.input(Fx.obs(events: events), baseline: Fx.obs("b")))
        #expect(out.count == 1 && out[0].magnitude == 6 && out[0].onsetStep == 50)
    }

    @Test func steadyDataTimeIsQuiet() {
        let s = Fx.series(.dataTimeMs, Fx.noisy(300, level: 5, sd: 1, seed: 6))
        #expect(DataWaitDetector().detect(Fx.input(Fx.obs(series: [s]))).isEmpty)
    }

    func ranks(slow: Int?, from: Int = 0, factor: Double = 1.4) -> RunObservations {
        let series = (0..<8).map { r -> MetricSeries in
            var v = Fx.noisy(200, level: 1000, sd: 15, seed: UInt64(r + 10))
            if r == slow { for i in from..<200 { v[i] *= factor } }
            return Fx.series(.stepTimeMs, v, source: "logs/rank\(r).log", rank: r)
        }
        return Fx.obs(series: series)
    }

    @Test func oneRankStraggles() {
        let out = RankStragglerDetector().detect(Fx.input(ranks(slow: 5, from: 100)))
        #expect(out.count == 1 && out[0].rank == 5 && out[0].magnitude > 1.3 && (99...103).contains(out[0].onsetStep ?? 0))
    }

    @Test func evenRanksAreQuiet() {
        #expect(RankStragglerDetector().detect(Fx.input(ranks(slow: nil))).isEmpty)
    }

    @Test func rankNonFiniteAlone() {
        let series = (0..<4).map { r -> MetricSeries in
            var v = Fx.loss(100, seed: UInt64(r))
            if r == 2 { for i in 60..<100 { v[i] = .nan } }
            return Fx.series(.loss, v, source: "logs/rank\(r).log", rank: r)
        }
        let out = RankNonFiniteAloneDetector().detect(Fx.input(Fx.obs(series: series)))
        #expect(out.count == 1 && out[0].rank == 2 && out[0].onsetStep == 61 && out[0].magnitude == 3)
    }

    @Test func allRanksNaNTogetherIsNotAlone() {
        let series = (0..<4).map { r -> MetricSeries in
            var v = Fx.loss(100, seed: UInt64(r))
            for i in 60..<100 { v[i] = .nan }
            return Fx.series(.loss, v, source: "logs/rank\(r).log", rank: r)
        }
        #expect(RankNonFiniteAloneDetector().detect(Fx.input(Fx.obs(series: series))).isEmpty)
    }

    @Test func rankThatStoppedFirst() {
        var series: [MetricSeries] = []
        var events: [Sourced<LogEvent>] = []
        for r in 0..<4 {
            let n = r == 3 ? 120 : 150
            series.append(Fx.series(.loss, Fx.loss(n, seed: UInt64(r)), source: "logs/rank\(r).log", rank: r))
            if r != 3 {
                events.append(Fx.event(.ncclTimeout, line: 400, source: "logs/rank\(r).log", time: Fx.t0 + 150 * 10 + 600, rank: r,
                                       message: "[Rank \(r)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=6, OpType=ALLREDUCE, Timeout(ms)=600000) ran for 600001 milliseconds before timing out."))
            }
        }
        let out = RankStoppedFirstDetector().detect(Fx.input(Fx.obs(series: series, events: events)))
        #expect(out.count == 1 && out[0].rank == 3 && out[0].magnitude >= 900)
        #expect(out[0].evidence[0].source == "logs/rank3.log" && out[0].evidence[0].line == 120)
    }

    @Test func ranksStoppingTogetherAreQuiet() {
        let series = (0..<4).map { Fx.series(.loss, Fx.loss(150, seed: UInt64($0)), source: "logs/rank\($0).log", rank: $0) }
        let warning = Fx.event(.warningLine, line: 2, source: "logs/rank1.log", time: Fx.t0 - 30, rank: 1, severity: .warning,
                               message: "UserWarning: something at startup")
        #expect(RankStoppedFirstDetector().detect(Fx.input(Fx.obs(series: series, events: [warning]))).isEmpty)
    }
}

@Suite struct RankStoppedRegressionTests {
    @Test func finalCheckpointSaveOnRankZeroDoesNotMakeOthersLookStopped() {
        let series = (0..<2).map { Fx.series(.loss, Fx.loss(150, seed: UInt64($0)), source: "logs/rank\($0).log", rank: $0) }
        let save = Fx.event(.checkpointSave, line: 500, source: "logs/rank0.log", time: Fx.t0 + 150 * 10 + 900, rank: 0,
                            severity: .info, message: "Saving model checkpoint to out/checkpoint-150")
        #expect(RankStoppedFirstDetector().detect(Fx.input(Fx.obs(series: series, events: [save]))).isEmpty)
    }
}

@Suite struct LaggingRankTests {
    func ranks(lagging: Int?) -> RunObservations {
        let loss = Fx.loss(200, seed: 1)
        let series = (0..<4).map { (r: Int) -> MetricSeries in
            let pts = loss.enumerated().map { i, v -> MetricPoint in
                let lag = r == lagging && i >= 100 ? Double(i - 99) * 0.3 : 0.002 * Double(r)
                return MetricPoint(name: .loss, value: v, step: i + 1, time: Fx.t0 + Double(i) + lag, rank: r, line: i + 1)
            }
            return MetricSeries(name: .loss, rank: r, label: nil, source: "logs/rank\(r).log", points: pts)
        }
        return Fx.obs(series: series)
    }

    @Test func rankThatLogsEachStepLaterAndLater() {
        let out = RankStragglerDetector().detect(Fx.input(ranks(lagging: 2)))
        #expect(out.count == 1 && out[0].rank == 2 && out[0].onsetStep == 101 && abs(out[0].magnitude - 1.3) < 0.05)
    }

    @Test func constantClockSkewIsNotAStraggler() {
        #expect(RankStragglerDetector().detect(Fx.input(ranks(lagging: nil))).isEmpty)
    }
}

@Suite struct BaselineLevelTests {
    @Test func endOfRunSummaryThroughputAgainstBaseline() {
        let run = Fx.obs(series: [Fx.series(.samplesPerS, [394.3], step0: 40)])
        let base = Fx.obs("b", series: [Fx.series(.samplesPerS, [712.1], step0: 40)])
        let out = ThroughputDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && out[0].kind == .throughputDrop && abs(out[0].magnitude - 0.446) < 0.01)
        #expect(ThroughputDetector().detect(Fx.input(run, baseline: run)).isEmpty)
    }

    @Test func gradNormAboveBaselineThroughout() {
        let run = Fx.obs(series: [Fx.series(.gradNorm, Fx.noisy(40, level: 1.1, sd: 0.1, seed: 1))])
        let base = Fx.obs("b", series: [Fx.series(.gradNorm, Fx.noisy(40, level: 0.45, sd: 0.05, seed: 2))])
        let out = LevelShiftDetector().detect(Fx.input(run, baseline: base))
        #expect(out.count == 1 && out[0].kind == .levelShiftUp && out[0].metric == .gradNorm && out[0].magnitude > 1)
        #expect(LevelShiftDetector().detect(Fx.input(base, baseline: Fx.obs("c", series: [Fx.series(.gradNorm, Fx.noisy(40, level: 0.46, sd: 0.05, seed: 3))]))).isEmpty)
    }
}
