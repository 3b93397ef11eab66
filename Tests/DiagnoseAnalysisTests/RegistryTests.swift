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
