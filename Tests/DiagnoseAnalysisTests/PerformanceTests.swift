import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

/// Cost of the whole detector set on a large run. Opt-in (DIAGNOSE_PERF=1): meaningful in release builds.
@Suite struct PerformanceTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIAGNOSE_PERF"] != nil))
    func largeRunStaysBounded() {
        let n = 50_000
        var series: [MetricSeries] = []
        for r in 0..<8 {
            let src = "logs/rank\(r).log"
            series.append(Fx.series(.loss, Fx.loss(n, seed: UInt64(r)), source: src, rank: r, lineStride: 4))
            series.append(Fx.series(.gradNorm, Fx.gradNorm(n, seed: UInt64(r + 10)), source: src, rank: r, firstLine: 2, lineStride: 4))
            series.append(Fx.series(.lr, Fx.lr(n, warmup: 2000), source: src, rank: r, firstLine: 3, lineStride: 4))
            series.append(Fx.series(.stepTimeMs, Fx.noisy(n, level: 900, sd: 20, seed: UInt64(r + 20)), source: src, rank: r,
                                    firstLine: 4, lineStride: 4))
        }
        let input = Fx.input(Fx.obs(series: series), baseline: Fx.obs("b", series: Array(series.prefix(4))))
        let points = series.reduce(0) { $0 + $1.points.count }
        var perDetector: [(String, Double)] = []
        let clock = ContinuousClock()
        let total = clock.measure {
            for d in Detectors.all {
                let t = clock.measure { _ = d.detect(input) }
                perDetector.append((d.id, Double(t.components.attoseconds) / 1e18 + Double(t.components.seconds)))
            }
        }
        let secs = Double(total.components.attoseconds) / 1e18 + Double(total.components.seconds)
        print("PERF \(points) points, \(Detectors.all.count) detectors: \(String(format: "%.2f", secs)) s")
        for (id, s) in perDetector.sorted(by: { $0.1 > $1.1 }).prefix(8) { print("PERF   \(id): \(String(format: "%.3f", s)) s") }
        #expect(secs < 60)
    }
}
