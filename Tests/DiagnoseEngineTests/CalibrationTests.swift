@testable import DiagnoseEngine
import Foundation
import Testing

@Suite struct CalibrationTests {
    /// Deterministic uniform numbers in [0, 1).
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static func synthetic(a: Double, b: Double, n: Int, seed: UInt64) -> [(score: Double, correct: Bool)] {
        var rng = LCG(state: seed)
        return (0..<n).map { _ in
            let s = rng.next() * 10 - 4
            let p = Calibration.sigmoid(a * s + b)
            return (s, rng.next() < p)
        }
    }

    @Test func identityReadsScoresAsLogOdds() {
        let c = Calibration.identity
        #expect(abs(c.probability(0) - 0.5) < 1e-12)
        #expect(abs(c.probability(Calibration.logit(0.8)) - 0.8) < 1e-9)
        #expect(c.probability(.infinity) == 1)
        #expect(c.probability(-.infinity) == 0)
        #expect(c.probability(.nan) == 0)
    }

    @Test func fitRecoversTheGeneratingSigmoid() {
        let data = Self.synthetic(a: 0.5, b: -0.5, n: 6000, seed: 7)
        let fit = Calibration.fit(data, keepBoundary: false)
        #expect(abs(fit.a - 0.5) < 0.08, "a = \(fit.a)")
        #expect(abs(fit.b + 0.5) < 0.2, "b = \(fit.b)")
        #expect(fit.threshold == 0.5)
        let held = Self.synthetic(a: 0.5, b: -0.5, n: 6000, seed: 99)
        let before = Calibration.identity.ece(scores: held)
        let after = fit.ece(scores: held)
        #expect(after < before)
        #expect(after < 0.03, "ECE after fit \(after)")
    }

    @Test func theDefaultFitKeepsTheDecisionBoundary() {
        // Generated with its 0.5 point at raw score -1.5: a free fit would move the boundary there.
        let data = Self.synthetic(a: 1.2, b: 1.8, n: 4000, seed: 3)
        let free = Calibration.fit(data, keepBoundary: false)
        #expect(abs(free.boundary + 1.5) < 0.2)
        let kept = Calibration.fit(data)
        #expect(abs(kept.boundary - Calibration.identity.boundary) < 1e-9)
        #expect(abs(kept.probability(0) - 0.5) < 1e-9)
        #expect(kept.a > 0)
        var strict = Calibration.identity
        strict.threshold = 0.6
        let keptStrict = Calibration.fit(data, base: strict)
        #expect(abs(keptStrict.boundary - strict.boundary) < 1e-9)
    }

    @Test func theSlopeFitSharpensUnderconfidentScores() {
        // Right far more often than the identity says above the boundary, wrong more often below.
        let data = Self.synthetic(a: 3, b: 0, n: 4000, seed: 11)
        let kept = Calibration.fit(data)
        #expect(kept.a > 2)
        #expect(kept.ece(scores: data) < Calibration.identity.ece(scores: data))
    }

    @Test func fitNeedsBothOutcomes() {
        let allRight = (0..<10).map { (score: Double($0), correct: true) }
        #expect(Calibration.fit(allRight) == Calibration.identity)
        #expect(Calibration.fit([]) == Calibration.identity)
    }

    @Test func eceOfKnownCases() {
        let calibrated = (0..<100).map { (confidence: 0.8, correct: $0 < 80) }
        #expect(abs(Calibration.ece(calibrated)) < 1e-9)
        let overconfident = (0..<100).map { (confidence: 1.0, correct: $0 < 50) }
        #expect(abs(Calibration.ece(overconfident) - 0.5) < 1e-9)
        #expect(Calibration.ece([]) == 0)
    }

    @Test func yamlRoundTripsAndIsStrict() {
        let c = Calibration(a: 0.8, b: -0.3, threshold: 0.55, weakFloor: 0.1, note: "fit on dev")
        let (back, errs) = Calibration.parse(c.yaml())
        #expect(errs.isEmpty)
        #expect(back == c)
        #expect(Calibration.parse("a: 1\nslope: 2\n").1.map(\.field) == ["slope"])
        #expect(Calibration.parse("a: -1\n").1.map(\.field) == ["a"])
        #expect(Calibration.parse("method: isotonic\n").1.map(\.field) == ["method"])
        #expect(!Calibration.parse(": :\n  - [").1.isEmpty)
    }

    @Test func repositoryCalibrationLoads() {
        let lib = PlaybookLoader.load(directory: Fixture.playbookDir).library
        #expect(lib.calibration.threshold == 0.5)
        #expect(lib.calibration.a > 0)
    }

    @Test func thresholdDecidesTheStatus() {
        var lib = PlaybookLibrary.embedded
        let f = InvestigatorCauseTests.scenario("nccl-timeout")
        #expect(f.investigate(Investigator(library: lib)).status == .incident)
        lib.calibration.threshold = 0.99
        let strict = f.investigate(Investigator(library: lib))
        #expect(strict.status == .noIncident)
        #expect(strict.hypotheses.isEmpty)
        #expect(strict.weakSignals.first?.cause == "nccl-timeout")
    }
}

@Suite struct CalibrationSampleTests {
    @Test func samplesComeFromCandidates() {
        let inv = InvestigatorCauseTests.scenario("cuda-oom").investigate()
        let s = Calibration.samples(from: inv, truthCause: "cuda-oom")
        #expect(s.count == inv.candidates.count)
        #expect(s.first?.correct == true)
        #expect(s.dropFirst().allSatisfy { !$0.correct })
        let healthy = Calibration.samples(from: inv, truthCause: "healthy", topOnly: true)
        #expect(healthy.count == 1 && healthy[0].correct == false)
    }
}
