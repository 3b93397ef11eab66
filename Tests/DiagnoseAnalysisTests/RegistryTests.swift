import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct RegistryTests {
    @Test func healthyRunAgainstHealthyBaselineIsQuiet() {
        for seed: UInt64 in [1, 2, 3, 4, 5] {
            let input = Fx.input(Fx.healthyTraining("run", seed: seed * 11), baseline: Fx.healthyTraining("base", seed: seed * 13 + 1))
            let symptoms = Detectors.run(input)
            #expect(symptoms.isEmpty, "seed \(seed): \(symptoms.map(\.summary))")
        }
    }

    @Test func healthyRunAloneIsQuiet() {
        for seed: UInt64 in [21, 22, 23] {
            let symptoms = Detectors.run(Fx.input(Fx.healthyTraining("run", n: 300 + Int(seed) * 10, seed: seed)))
            #expect(symptoms.isEmpty, "seed \(seed): \(symptoms.map(\.summary))")
        }
    }

    @Test func emptyObservationsGiveNoSymptomsAndNoCrash() {
        #expect(Detectors.run(Fx.input(Fx.obs(), baseline: Fx.obs("b"))).isEmpty)
        let tiny = Fx.obs(series: [Fx.series(.loss, [.nan]), Fx.series(.lr, [0]), Fx.series(.stepTimeMs, [1, 2])])
        _ = Detectors.run(Fx.input(tiny, baseline: tiny))
    }

    @Test func detectorIDsAreUnique() {
        let ids = Detectors.all.map(\.id)
        #expect(Set(ids).count == ids.count)
    }
}

@Suite struct MergeTests {
    @Test func sameSpikeOnEveryRankIsOneSymptom() {
        var v = Fx.loss(300, seed: 1)
        v[200] += 4
        let series = (0..<4).map { (r: Int) in Fx.series(.loss, v, source: "logs/rank\(r).log", rank: r) }
        let out = Detectors.run(Fx.input(Fx.obs(series: series)), detectors: [SpikeDetector()])
        #expect(out.count == 1 && out[0].rank == 0 && out[0].summary.contains("same onset on 4 ranks (0, 1, 2, 3)"))
        #expect(out[0].evidence.count == 3)
    }

    @Test func differentOnsetsStaySeparate() {
        var a = Fx.loss(300, seed: 1), b = Fx.loss(300, seed: 2)
        a[200] += 4; b[150] += 4
        let out = Detectors.run(Fx.input(Fx.obs(series: [Fx.series(.loss, a, rank: 0), Fx.series(.loss, b, source: "x.log", rank: 1)])),
                                detectors: [SpikeDetector()])
        #expect(out.count == 2)
    }
}

@Suite struct DuplicateFileMergeTests {
    @Test func sameHistoryInTwoFilesIsOneSymptom() {
        var v = Fx.loss(300, seed: 1)
        v[200] += 4
        let out = Detectors.run(Fx.input(Fx.obs(series: [Fx.series(.loss, v, source: "logs/train.log"),
                                                        Fx.series(.loss, v, source: "out/checkpoint-300/trainer_state.json")])),
                                detectors: [SpikeDetector()])
        #expect(out.count == 1 && out[0].summary.contains("same in 2 files") && out[0].evidence.count == 2)
    }
}
