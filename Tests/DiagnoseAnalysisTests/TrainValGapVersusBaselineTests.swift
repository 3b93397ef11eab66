import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct TrainValGapVersusBaselineTests {
    func obs(_ id: String, train: (Int) -> Double, eval: [Double]) -> RunObservations {
        let tr = (1...400).map { MetricPoint(name: .loss, value: train($0), step: $0, line: $0 + 10) }
        let ev = eval.enumerated().map { MetricPoint(name: .evalLoss, value: $0.element, step: ($0.offset + 1) * 100, line: 500 + $0.offset) }
        return RunObservations(runID: id, root: "/x", series: [
            MetricSeries(name: .loss, rank: nil, label: nil, source: "logs/stdout.log", points: tr),
            MetricSeries(name: .evalLoss, rank: nil, label: nil, source: "logs/stdout.log", points: ev),
        ])
    }

    @Test func validationAboveTheBaselineWhileTrainingIsNotIsAGap() throws {
        let base = obs("b", train: { 3.5 - 1.3 * Double($0) / 400 }, eval: [2.78, 2.39, 2.29, 2.19])
        let run = obs("r", train: { 3.3 - 1.4 * Double($0) / 400 }, eval: [3.02, 2.78, 2.63, 2.58])
        let s = TrainValGapDetector().detect(AnalysisInput(run: run, baseline: base))
        let sym = try #require(s.first)
        #expect(sym.kind == .trainValGap)
        #expect(sym.magnitude >= 0.1)
        #expect(sym.evidence.contains { $0.source == "baseline:logs/stdout.log" })
    }

    @Test func aRunThatMatchesItsBaselineIsQuiet() {
        let base = obs("b", train: { 3.5 - 1.3 * Double($0) / 400 }, eval: [2.78, 2.39, 2.29, 2.19])
        let run = obs("r", train: { 3.52 - 1.31 * Double($0) / 400 }, eval: [2.80, 2.41, 2.28, 2.21])
        #expect(TrainValGapDetector().detect(AnalysisInput(run: run, baseline: base)).isEmpty)
    }
}
