import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct EvalScoreShiftTests {
    func scores(_ values: [(String, Double, Double?)]) -> [Sourced<EvalScore>] {
        values.enumerated().map { i, v in
            Sourced(source: "results/results.json", value: EvalScore(task: v.0, metric: "exact_match", filter: "strict-match",
                                                                      value: v.1, stderr: v.2, line: 10 + i * 4))
        }
    }

    @Test func aMoveOfOneToThreeStderrIsAShiftNotADrop() throws {
        let base = Fx.obs("b", scores: scores([("gsm8k", 0.70, 0.05)]))
        let run = Fx.obs(scores: scores([("gsm8k", 0.55, 0.05)]))   // z ≈ 2.1
        let input = Fx.input(run, baseline: base)
        #expect(EvalScoreDropDetector().detect(input).isEmpty)
        let s = try #require(EvalScoreShiftDetector().detect(input).first)
        #expect(s.kind == .evalScoreShift)
        #expect(s.magnitude > 2 && s.magnitude < 3)
        #expect(s.evidence.count == 2 && s.evidence[1].source == "baseline:results/results.json")
    }

    @Test func noiseWithinAStderrIsQuiet() {
        let base = Fx.obs("b", scores: scores([("gsm8k", 0.70, 0.05)]))
        let run = Fx.obs(scores: scores([("gsm8k", 0.66, 0.05)]))
        #expect(EvalScoreShiftDetector().detect(Fx.input(run, baseline: base)).isEmpty)
        #expect(EvalScoreShiftDetector().detect(Fx.input(run)).isEmpty)
    }

    @Test func aLargeMoveOnASmallEvalSetIsAShiftAtHalfAStderr() throws {
        // 20 questions: stderr ≈ 0.11 per side, so 0.65 → 0.50 is under one combined stderr.
        let base = Fx.obs("b", scores: scores([("gsm8k", 0.65, 0.107), ("arc", 0.55, 0.11)]))
        let run = Fx.obs(scores: scores([("gsm8k", 0.50, 0.115), ("arc", 0.55, 0.11)]))
        let s = try #require(EvalScoreShiftDetector().detect(Fx.input(run, baseline: base)).first)
        #expect(s.magnitude > 0.5 && s.magnitude < 1)
        #expect(s.summary.contains("1 of 2 tasks moved"))
    }

    @Test func aSmallAbsoluteMoveNeedsAFullStderr() {
        // Four points on a 0-1 metric at 0.6 stderr: below both bars.
        let base = Fx.obs("b", scores: scores([("gsm8k", 0.70, 0.05)]))
        let run = Fx.obs(scores: scores([("gsm8k", 0.66, 0.0)]))
        #expect(EvalScoreShiftDetector().detect(Fx.input(run, baseline: base)).isEmpty)
    }
}
