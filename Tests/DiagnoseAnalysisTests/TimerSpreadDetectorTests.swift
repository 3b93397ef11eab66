import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct TimerSpreadDetectorTests {
    func run(_ ratios: [Double]) -> AnalysisInput {
        var lo: [MetricPoint] = [], hi: [MetricPoint] = []
        for (k, r) in ratios.enumerated() {
            let step = (k + 1) * 20
            lo.append(MetricPoint(name: TimerSpreadDetector.minMin, value: 1000, step: step, label: "forward-backward", line: 3 * k + 1))
            hi.append(MetricPoint(name: TimerSpreadDetector.maxMax, value: 1000 * r, step: step, label: "forward-backward", line: 3 * k + 1))
        }
        let obs = RunObservations(runID: "r", root: "/x", series: [
            MetricSeries(name: TimerSpreadDetector.minMin, rank: 15, label: "forward-backward", source: "logs/stdout.log", points: lo),
            MetricSeries(name: TimerSpreadDetector.maxMax, rank: 15, label: "forward-backward", source: "logs/stdout.log", points: hi),
        ])
        return AnalysisInput(run: obs)
    }

    @Test func widenedSpreadIsAStraggler() throws {
        let s = TimerSpreadDetector().detect(run([1.03, 1.04, 1.03, 1.05, 1.03, 1.38, 1.41, 1.40, 1.42]))
        let sym = try #require(s.first)
        #expect(sym.kind == .rankStraggler)
        #expect(sym.onsetStep == 120)
        #expect(sym.magnitude > 1.3)
        #expect(sym.evidence.allSatisfy { $0.source == "logs/stdout.log" && $0.line != nil })
    }

    @Test func steadyOrNoisySpreadIsQuiet() {
        #expect(TimerSpreadDetector().detect(run([1.03, 1.05, 1.04, 1.06, 1.03, 1.05, 1.04, 1.06])).isEmpty)
        // Always wide (a heterogeneous cluster), not widening.
        #expect(TimerSpreadDetector().detect(run([1.3, 1.32, 1.29, 1.31, 1.3, 1.33, 1.3, 1.31])).isEmpty)
        #expect(TimerSpreadDetector().detect(run([1.03, 1.5, 1.04])).isEmpty)
    }
}
