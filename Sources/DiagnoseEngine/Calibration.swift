import Foundation
import Yams

/// Turns a hypothesis' raw log-odds score into a probability that means what it says (Platt
/// scaling: p = sigmoid(a * score + b)). Parameters live in `playbooks/calibration.yaml`.
public struct Calibration: Sendable, Hashable {
    /// Slope on the raw score.
    public var a: Double
    /// Offset.
    public var b: Double
    /// Calibrated probability a hypothesis needs for the run to be an incident.
    public var threshold: Double
    /// Below this a hypothesis is not even listed as a weak signal.
    public var weakFloor: Double
    /// How the parameters were obtained (free text: "identity", "fit on 120 dev cases").
    public var note: String?

    public init(a: Double = 1, b: Double = 0, threshold: Double = 0.5, weakFloor: Double = 0.05, note: String? = nil) {
        self.a = a; self.b = b; self.threshold = threshold; self.weakFloor = weakFloor; self.note = note
    }

    /// The default: the raw score read as log-odds.
    public static let identity = Calibration(note: "identity")

    /// The calibrated probability of a raw score.
    public func probability(_ score: Double) -> Double {
        guard score.isFinite else { return score > 0 ? 1 : 0 }
        return Calibration.sigmoid(a * score + b)
    }

    public static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    public static func logit(_ p: Double) -> Double {
        let q = min(max(p, 1e-9), 1 - 1e-9)
        return log(q / (1 - q))
    }

    /// Fits Platt's sigmoid to (score, was the hypothesis right) pairs, with Platt's smoothed
    /// targets. Threshold and floor are kept from `base`.
    ///
    /// With `keepBoundary` (the default) only the slope is fitted and the raw score at which a
    /// hypothesis reaches the threshold stays where `base` put it: which runs are incidents is the
    /// playbooks' decision, validated on healthy runs, and a corpus where healthy runs rarely have
    /// a candidate at all would otherwise drag the boundary down and turn weak signals into
    /// incidents. Without it both slope and offset are fitted (Lin, Lin and Weng's Newton method).
    public static func fit(_ samples: [(score: Double, correct: Bool)], base: Calibration = .identity,
                           keepBoundary: Bool = true) -> Calibration {
        keepBoundary ? fitSlope(samples, base: base) : fitPlatt(samples, base: base)
    }

    /// The raw score at which `probability` equals `threshold`.
    public var boundary: Double { (Calibration.logit(threshold) - b) / a }

    static func targets(_ data: [(score: Double, correct: Bool)]) -> [Double]? {
        let nPos = Double(data.filter(\.correct).count), nNeg = Double(data.count) - nPos
        guard nPos > 0, nNeg > 0 else { return nil }
        let hi = (nPos + 1) / (nPos + 2), lo = 1 / (nNeg + 2)
        return data.map { $0.correct ? hi : lo }
    }

    static func fitSlope(_ samples: [(score: Double, correct: Bool)], base: Calibration) -> Calibration {
        let data = samples.filter { $0.score.isFinite }
        guard let t = targets(data) else { return base }
        let s0 = base.boundary, L = logit(base.threshold)
        let x = data.map { $0.score - s0 }
        func loss(_ a: Double) -> Double {
            var f = 0.0
            for i in x.indices {
                let p = min(max(sigmoid(a * x[i] + L), 1e-12), 1 - 1e-12)
                f -= t[i] * log(p) + (1 - t[i]) * log(1 - p)
            }
            return f
        }
        var a = max(base.a, 0.05)
        for _ in 0..<100 {
            var g = 0.0, h = 1e-9
            for i in x.indices {
                let p = sigmoid(a * x[i] + L)
                g += (p - t[i]) * x[i]
                h += p * (1 - p) * x[i] * x[i]
            }
            if abs(g) < 1e-9 { break }
            var step = g / h
            var next = a - step
            while next <= 0.01 || loss(next) > loss(a) + 1e-12 {
                step /= 2
                next = a - step
                if abs(step) < 1e-12 { next = a; break }
            }
            if abs(next - a) < 1e-10 { a = next; break }
            a = next
        }
        var out = base
        out.a = a; out.b = L - a * s0
        out.note = "Platt slope fit on \(data.count) hypotheses (\(data.filter(\.correct).count) right), boundary kept at raw score \(TemplateText.number(s0))"
        return out
    }

    static func fitPlatt(_ samples: [(score: Double, correct: Bool)], base: Calibration) -> Calibration {
        let data = samples.filter { $0.score.isFinite }
        let nPos = Double(data.filter(\.correct).count), nNeg = Double(data.count) - nPos
        guard nPos > 0, nNeg > 0 else { return base }
        let hi = (nPos + 1) / (nPos + 2), lo = 1 / (nNeg + 2)
        let t = data.map { $0.correct ? hi : lo }
        let x = data.map(\.score)
        // Parameterised as p = 1 / (1 + exp(A x + B)); we return a = -A, b = -B.
        var A = 0.0, B = log((nNeg + 1) / (nPos + 1))
        func objective(_ A: Double, _ B: Double) -> Double {
            var f = 0.0
            for i in x.indices {
                let fApB = x[i] * A + B
                f += fApB >= 0 ? t[i] * fApB + log(1 + exp(-fApB)) : (t[i] - 1) * fApB + log(1 + exp(fApB))
            }
            return f
        }
        var fval = objective(A, B)
        let sigma = 1e-12
        for _ in 0..<100 {
            var h11 = sigma, h22 = sigma, h21 = 0.0, g1 = 0.0, g2 = 0.0
            for i in x.indices {
                let fApB = x[i] * A + B
                let p: Double, q: Double
                if fApB >= 0 { p = exp(-fApB) / (1 + exp(-fApB)); q = 1 / (1 + exp(-fApB)) } else {
                    p = 1 / (1 + exp(fApB)); q = exp(fApB) / (1 + exp(fApB))
                }
                let d2 = p * q
                h11 += x[i] * x[i] * d2; h22 += d2; h21 += x[i] * d2
                let d1 = t[i] - p
                g1 += x[i] * d1; g2 += d1
            }
            if abs(g1) < 1e-7 && abs(g2) < 1e-7 { break }
            let det = h11 * h22 - h21 * h21
            guard det != 0 else { break }
            let dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det
            let gd = g1 * dA + g2 * dB
            var step = 1.0
            var moved = false
            while step >= 1e-10 {
                let nA = A + step * dA, nB = B + step * dB
                let nf = objective(nA, nB)
                if nf < fval + 1e-4 * step * gd { A = nA; B = nB; fval = nf; moved = true; break }
                step /= 2
            }
            if !moved { break }
        }
        var out = base
        out.a = -A; out.b = -B
        out.note = "Platt fit on \(data.count) hypotheses (\(Int(nPos)) right)"
        return out
    }

    /// Expected calibration error: the bin-weighted gap between confidence and accuracy.
    public static func ece(_ samples: [(confidence: Double, correct: Bool)], bins: Int = 10) -> Double {
        guard !samples.isEmpty, bins > 0 else { return 0 }
        var count = [Int](repeating: 0, count: bins)
        var conf = [Double](repeating: 0, count: bins)
        var right = [Double](repeating: 0, count: bins)
        for s in samples {
            let c = min(max(s.confidence.isFinite ? s.confidence : 0, 0), 1)
            let i = min(Int(c * Double(bins)), bins - 1)
            count[i] += 1; conf[i] += c; right[i] += s.correct ? 1 : 0
        }
        var e = 0.0
        for i in 0..<bins where count[i] > 0 {
            let n = Double(count[i])
            e += n / Double(samples.count) * abs(right[i] / n - conf[i] / n)
        }
        return e
    }

    /// ECE of this calibration over raw scores.
    public func ece(scores: [(score: Double, correct: Bool)], bins: Int = 10) -> Double {
        Calibration.ece(scores.map { (probability($0.score), $0.correct) }, bins: bins)
    }

    /// Training pairs from one diagnosed case: every candidate's raw score and whether its cause
    /// is the truth (for a healthy case every candidate is wrong). `topOnly` keeps rank 1 alone.
    public static func samples(from investigation: Investigation, truthCause: String,
                               topOnly: Bool = false) -> [(score: Double, correct: Bool)] {
        let cands = topOnly ? Array(investigation.candidates.prefix(1)) : investigation.candidates
        return cands.map { ($0.score, $0.cause == truthCause) }
    }

    static let keys: Set<String> = ["method", "a", "b", "threshold", "weak_floor", "note"]

    /// Reads `calibration.yaml` strictly (unknown keys are errors).
    public static func parse(_ text: String, file: String = "calibration.yaml") -> (Calibration?, [PlaybookError]) {
        var errors: [PlaybookError] = []
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            return (nil, [PlaybookError(file: file, field: "", message: "not valid YAML: \(error)")])
        }
        guard let m = loaded as? [String: Any] else {
            return (nil, [PlaybookError(file: file, field: "", message: "expected a mapping")])
        }
        for k in m.keys.sorted() where !keys.contains(k) {
            errors.append(PlaybookError(file: file, field: k, message: "unknown key '\(k)' (allowed: \(keys.sorted().joined(separator: ", ")))"))
        }
        func num(_ k: String, _ d: Double) -> Double {
            guard let v = m[k] else { return d }
            if let x = v as? Double { return x }
            if let x = v as? Int { return Double(x) }
            errors.append(PlaybookError(file: file, field: k, message: "expected a number"))
            return d
        }
        if let method = m["method"], (method as? String) != "platt" {
            errors.append(PlaybookError(file: file, field: "method", message: "only 'platt' is supported"))
        }
        let c = Calibration(a: num("a", 1), b: num("b", 0), threshold: num("threshold", 0.5),
                            weakFloor: num("weak_floor", 0.05), note: m["note"] as? String)
        if !(c.threshold > 0 && c.threshold < 1) {
            errors.append(PlaybookError(file: file, field: "threshold", message: "must be in (0, 1)"))
        }
        if c.a <= 0 { errors.append(PlaybookError(file: file, field: "a", message: "must be positive (a higher score must mean more likely)")) }
        return errors.isEmpty ? (c, []) : (nil, errors)
    }

    /// The YAML form `parse` reads.
    public func yaml() -> String {
        var s = "method: platt\na: \(a)\nb: \(b)\nthreshold: \(threshold)\nweak_floor: \(weakFloor)\n"
        if let note { s += "note: \"\(note.replacingOccurrences(of: "\"", with: "'"))\"\n" }
        return s
    }
}
