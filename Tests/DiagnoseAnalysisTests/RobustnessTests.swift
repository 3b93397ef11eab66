import DiagnoseCore
import Foundation
import Testing
@testable import DiagnoseAnalysis

/// Bad input never crashes a detector, and whatever comes out encodes as JSON and cites real lines.
@Suite struct RobustnessTests {
    static let metrics: [MetricName] = [.loss, .gradNorm, .lr, .lossScale, .stepTimeMs, .dataTimeMs, .tokensPerS, .mfu, .epoch,
                                        .consumedSamples, .globalBatchSize, .skippedIters, .evalLoss, .cacheHitRate, .cacheHits,
                                        .cacheQueries, .preemptions, .kvCacheUsage]

    func randomRun(_ seed: UInt64, id: String) -> RunObservations {
        var r = RNG(seed)
        func pick<T>(_ a: [T]) -> T { a[Int(r.next() % UInt64(a.count))] }
        var series: [MetricSeries] = []
        for _ in 0..<Int(r.next() % 12) {
            let n = Int(r.next() % 300)
            let name = pick(Self.metrics)
            let special: [Double] = [.nan, .infinity, -.infinity, 0, -1, 1e308, -1e-308, 5]
            var points: [MetricPoint] = []
            for i in 0..<n {
                let v = r.uniform() < 0.05 ? pick(special) : r.normal() * pick([1, 100, 1e-4])
                let step: Int? = r.uniform() < 0.1 ? nil : pick([i, i, n - i, i / 3, -i])
                let time: Double? = r.uniform() < 0.3 ? nil : Fx.t0 + Double(pick([i, i, n - i])) * 10
                points.append(MetricPoint(name: name, value: v, step: step, time: time, rank: pick([nil, 0, 1, 2]),
                                          label: pick([nil, "r0", "r1"]), line: pick([i + 1, i + 1, 1, n - i + 1])))
            }
            series.append(MetricSeries(name: name, rank: pick([nil, 0, 1, 2]), label: pick([nil, "r0"]),
                                       source: pick(["a.log", "b.log", "c/d.jsonl"]), points: points))
        }
        var events: [Sourced<LogEvent>] = []
        for i in 0..<Int(r.next() % 20) {
            let kind = pick(Array(EventKind.known).sorted())
            events.append(Fx.event(kind, line: i + 1, source: pick(["a.log", "b.log"]), step: pick([nil, i, 100 - i, 0]),
                                   time: pick([nil, Fx.t0 + Double(i), .nan]), rank: pick([nil, 0, 1, 3]),
                                   message: pick(["", "checkpoint-12", "previous error", String(repeating: "x", count: 2000)]),
                                   detail: pick([nil, .checkpoint(path: "checkpoint-9999999999999", step: nil, optimizerState: false, schedulerState: nil),
                                                 .overflow(attempted: pick([0, .nan, 65536]), reducedTo: pick([0, 1, .infinity])),
                                                 .childFailed(rank: 1, exitCode: 1, signal: nil)])))
        }
        let scores = (0..<Int(r.next() % 5)).map { i in
            Sourced(source: "e.json", value: EvalScore(task: pick(["a", "b"]), metric: pick(["acc", "perplexity"]), value: pick([0.5, .nan, 0, 1e9]),
                                                     stderr: pick([nil, 0, .nan, 0.01]), samples: pick([nil, 0, 1, 100]), line: i + 1))
        }
        let samples = (0..<Int(r.next() % 30)).map { i in
            Sourced(source: "s.jsonl", value: EvalSample(task: "a", docID: "\(i)", correct: pick([nil, true, false]),
                                                       traits: pick([[], [.empty], [.truncated, .truncated]]), line: i + 1))
        }
        let config = ConfigDocument(path: "cfg.json", document: "", kind: pick([.eval, .serving, .training]),
                                    entries: [ConfigEntry(key: "config.model_args", value: pick([.string("pretrained=x/checkpoint-3"), .null, .number(.nan)]), line: 1)])
        return Fx.obs(id, series: series, events: events, scores: scores, samples: samples, configs: [config])
    }

    @Test(arguments: Array(UInt64(1)...UInt64(60)))
    func randomInputNeverCrashes(seed: UInt64) throws {
        let input = Fx.input(randomRun(seed, id: "run"), baseline: seed % 3 == 0 ? nil : randomRun(seed &+ 1000, id: "b"))
        let out = Detectors.run(input)
        let enc = JSONEncoder()
        _ = try enc.encode(out)
        #expect(Fx.grounded(out, input))
        _ = Timeline.entries(input, out)
    }
}

@Suite struct PerturbedRunTests {
    /// A realistic run, damaged at random: non-finite values, shuffled lines, replayed steps,
    /// dropped steps and times, extreme values.
    func damaged(_ seed: UInt64) -> RunObservations {
        var r = RNG(seed)
        var run = Fx.healthyTraining("run", n: 200 + Int(r.next() % 400), seed: seed)
        for si in run.series.indices {
            let n = run.series[si].points.count
            for _ in 0..<Int(r.next() % 8) {
                let i = Int(r.next() % UInt64(n))
                switch r.next() % 6 {
                case 0: run.series[si].points[i].value = .nan
                case 1: run.series[si].points[i].value = r.uniform() < 0.5 ? .infinity : -1e300
                case 2: run.series[si].points[i].step = nil
                case 3: run.series[si].points[i].time = nil
                case 4: run.series[si].points[i].line = Int(r.next() % UInt64(n)) + 1
                default: run.series[si].points[i].step = (run.series[si].points[i].step ?? 0) - 50
                }
            }
            if r.uniform() < 0.3 { run.series[si].points.append(contentsOf: run.series[si].points.prefix(30)) }
            run.series[si].rank = r.uniform() < 0.5 ? nil : Int(r.next() % 4)
        }
        return run
    }

    @Test(arguments: Array(UInt64(1)...UInt64(40)))
    func damagedRunsNeverCrash(seed: UInt64) throws {
        let input = Fx.input(damaged(seed), baseline: damaged(seed &+ 77))
        let out = Detectors.run(input)
        _ = try JSONEncoder().encode(out)
        #expect(Fx.grounded(out, input))
    }
}
