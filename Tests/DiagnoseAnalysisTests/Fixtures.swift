import DiagnoseCore
import Foundation
@testable import DiagnoseAnalysis

/// Seeded generator (SplitMix64) so synthetic curves are noisy yet reproducible.
struct RNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-12), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

enum Fx {
    static let t0 = 1_793_000_000.0

    /// A series on steps `step0, step0+every, …`, one line per point from `firstLine`, timed `dt` s apart.
    static func series(_ name: MetricName, _ values: [Double], source: String = "logs/train.log", rank: Int? = nil,
                       label: String? = nil, step0: Int = 1, every: Int = 1, firstLine: Int = 1, lineStride: Int = 1,
                       dt: Double? = 10, time0: Double = Fx.t0, steps: [Int]? = nil) -> MetricSeries {
        let pts = values.enumerated().map { i, v in
            let step = steps?[i] ?? (step0 + i * every)
            return MetricPoint(name: name, value: v, step: step, time: dt.map { time0 + Double(i) * $0 }, rank: rank,
                               label: label, line: firstLine + i * lineStride)
        }
        return MetricSeries(name: name, rank: rank, label: label, source: source, points: pts)
    }

    /// A healthy loss: fast early decay towards a floor, with noise.
    static func loss(_ n: Int, seed: UInt64, start: Double = 10, floor: Double = 2.2, noise: Double = 0.04) -> [Double] {
        var r = RNG(seed)
        return (0..<n).map { i in floor + (start - floor) * exp(-Double(i) / Double(max(1, n / 12))) + 0.3 * exp(-Double(i) / Double(n))
            + noise * r.normal() }
    }

    /// A healthy grad norm: high during warm-up, then noisy around 1 with a heavy-ish tail.
    static func gradNorm(_ n: Int, seed: UInt64) -> [Double] {
        var r = RNG(seed)
        return (0..<n).map { i in 1.0 + 4 * exp(-Double(i) / 15) + 0.08 * r.normal() + (r.uniform() < 0.02 ? 0.2 * r.uniform() : 0) }
    }

    /// Linear warm-up then cosine decay to 10% of peak.
    static func lr(_ n: Int, peak: Double = 3e-4, warmup: Int = 50, total: Int? = nil) -> [Double] {
        let total = total ?? n
        return (0..<n).map { i in
            if i < warmup { return peak * Double(i + 1) / Double(warmup) }
            let p = Double(i - warmup) / Double(max(1, total - warmup))
            return peak * (0.1 + 0.9 * 0.5 * (1 + cos(.pi * min(1, p))))
        }
    }

    static func noisy(_ n: Int, level: Double, sd: Double, seed: UInt64) -> [Double] {
        var r = RNG(seed)
        return (0..<n).map { _ in level + sd * r.normal() }
    }

    static func event(_ kind: EventKind, line: Int, source: String = "logs/train.log", step: Int? = nil, time: Double? = nil,
                      rank: Int? = nil, severity: Severity = .error, message: String = "", detail: EventDetail? = nil) -> Sourced<LogEvent> {
        Sourced(source: source, value: LogEvent(line: line, byteOffset: Int64(line * 80), time: time, step: step, rank: rank,
                                                severity: severity, kind: kind, message: message.isEmpty ? kind.rawValue : message,
                                                detail: detail))
    }

    static func obs(_ id: String = "run", series: [MetricSeries] = [], events: [Sourced<LogEvent>] = [],
                    scores: [Sourced<EvalScore>] = [], samples: [Sourced<EvalSample>] = [], configs: [ConfigDocument] = []) -> RunObservations {
        RunObservations(runID: id, root: "/runs/\(id)", series: series, events: events, evalScores: scores,
                        evalSamples: samples, configs: configs)
    }

    static func input(_ run: RunObservations, baseline: RunObservations? = nil) -> AnalysisInput {
        AnalysisInput(run: run, baseline: baseline)
    }

    /// A realistic healthy training run (loss, grad norm, lr, step time, MFU warm-up, tokens/s, epoch).
    static func healthyTraining(_ id: String, n: Int = 600, seed: UInt64) -> RunObservations {
        var r = RNG(seed &* 7)
        let mfu = (0..<n).map { i in (i < 3 ? 0.12 + 0.05 * Double(i) : 0.41) + 0.01 * r.normal() }
        let stepTime = (0..<n).map { i in (i < 2 ? 2400.0 : 820) + 15 * r.normal() + (i % 100 == 99 ? 300 : 0) }
        let tps = stepTime.map { 4_096_000 / $0 }
        return obs(id, series: [
            series(.loss, loss(n, seed: seed), lineStride: 3),
            series(.gradNorm, gradNorm(n, seed: seed + 1), firstLine: 1, lineStride: 3),
            series(.lr, lr(n), firstLine: 1, lineStride: 3),
            series(.stepTimeMs, stepTime, firstLine: 2, lineStride: 3),
            series(.mfu, mfu, firstLine: 2, lineStride: 3),
            series(.tokensPerS, tps, firstLine: 2, lineStride: 3),
            series(.epoch, (0..<n).map { Double($0) / Double(n) * 0.9 }, firstLine: 1, lineStride: 3),
        ], events: [
            event(.trainingStart, line: 1, step: 0, time: t0 - 5, severity: .info, message: "***** Running training *****"),
            event(.checkpointSave, line: 3 * n / 2, step: n / 2, time: t0 + Double(n / 2) * 10, severity: .info,
                  message: "Saving model checkpoint to out/checkpoint-\(n / 2)",
                  detail: .checkpoint(path: "out/checkpoint-\(n / 2)", step: n / 2, optimizerState: nil, schedulerState: nil)),
        ])
    }

    /// Every (source, line) the records of a run hold, for grounding checks.
    static func lines(_ o: RunObservations, prefix: String = "") -> Set<String> {
        var s: Set<String> = []
        for se in o.series { for p in se.points { s.insert("\(prefix)\(se.source):\(p.line)") } }
        for e in o.events { s.insert("\(prefix)\(e.source):\(e.value.line)") }
        for e in o.evalScores { s.insert("\(prefix)\(e.source):\(e.value.line)") }
        for e in o.evalSamples { s.insert("\(prefix)\(e.source):\(e.value.line)") }
        for c in o.configs { for e in c.entries { if let l = e.line { s.insert("\(prefix)\(c.path):\(l)") } } }
        return s
    }

    /// True when every piece of evidence points at a line of the given records.
    static func grounded(_ symptoms: [Symptom], _ input: AnalysisInput) -> Bool {
        let known = lines(input.run).union(input.baseline.map { lines($0, prefix: "baseline:") } ?? [])
        return symptoms.allSatisfy { s in
            !s.evidence.isEmpty && s.evidence.allSatisfy { e in e.line.map { known.contains("\(e.source):\($0)") } ?? false }
        }
    }
}

extension Array where Element == Symptom {
    func of(_ kind: SymptomKind) -> [Symptom] { filter { $0.kind == kind } }
}
