import DiagnoseCore
import DiagnoseEngine
import Foundation
import Yams

/// One case of a corpus (CONTRACT.md §4).
public struct CorpusCase: Sendable {
    public var id: String
    public var split: String
    public var folder: String
    public var runID: String
    public var cause: String
    public var onsetStep: Int?
    public var keyEvidence: [(file: String, line: Int)]
}

/// `diagnose bench accuracy`: runs the whole job over a corpus and scores it against truth.yaml.
public enum AccuracyBenchmark {
    public struct Outcome: Sendable {
        public var testCase: CorpusCase
        public var status: Diagnosis.Status
        public var ranked: [String]
        public var confidence: Double?
        public var rawScore: Double?
        /// The cause of the best candidate, above or below the threshold.
        public var topCause: String?
        public var evidenceHit: Bool?
        public var seconds: Double
        public var error: String?

        public var top1: Bool {
            testCase.cause == "healthy" ? status == .noIncident : (status == .incident && ranked.first == testCase.cause)
        }
        /// The truth among the first three causes the report lists (hypotheses, then weak signals).
        public var top3: Bool {
            testCase.cause == "healthy" ? status == .noIncident : listed.prefix(3).contains(testCase.cause)
        }
        /// Every cause the report lists, hypotheses first, then weak signals.
        public var listed: [String] = []
    }

    public struct Summary: Sendable {
        public var outcomes: [Outcome]
        public var ece: Double

        /// One line per case: case, split, truth, solved at top-1, listed causes, rank-1 confidence.
        public var perCase: String {
            var s = "case\tsplit\ttruth\ttop1\tlisted\tconfidence\n"
            for o in outcomes {
                s += "\(o.testCase.id)\t\(o.testCase.split)\t\(o.testCase.cause)\t\(o.top1 ? "yes" : "no")\t"
                s += (o.listed.isEmpty ? "-" : o.listed.joined(separator: ",")) + "\t"
                s += (o.confidence.map { String(format: "%.3f", $0) } ?? "-") + "\n"
            }
            return s
        }

        func rate(_ xs: [Outcome], _ f: (Outcome) -> Bool) -> String {
            xs.isEmpty ? "n/a" : String(format: "%.1f%% (%d/%d)", 100 * Double(xs.filter(f).count) / Double(xs.count),
                                        xs.filter(f).count, xs.count)
        }

        public var table: String {
            var s = ""
            let splits = Array(Set(outcomes.map(\.testCase.split))).filter { $0 != "all" }.sorted()
            for split in splits + ["all"] {
                let xs = split == "all" ? outcomes : outcomes.filter { $0.testCase.split == split }
                let incidents = xs.filter { $0.testCase.cause != "healthy" }
                let healthy = xs.filter { $0.testCase.cause == "healthy" }
                let withEvidence = incidents.filter { $0.evidenceHit != nil }
                let cal = xs.compactMap { o in o.confidence.map { (confidence: $0, correct: o.topCause == o.testCase.cause) } }
                s += "[\(split)] cases \(xs.count)\n"
                s += "  top-1:                 \(rate(xs, \.top1))\n"
                s += "  top-3 (listed causes): \(rate(xs, \.top3))\n"
                s += "  incidents top-1:       \(rate(incidents, \.top1))\n"
                s += "  false alarms (healthy):\(rate(healthy, { $0.status == .incident }))\n"
                s += "  evidence hit (±2 lines of a key line, solved cases): \(rate(withEvidence, { $0.evidenceHit == true }))\n"
                s += String(format: "  calibration error (ECE, rank-1 confidence): %.3f\n",
                            Calibration.ece(cal.map { (confidence: $0.confidence, correct: $0.correct) }))
            }
            let misses = outcomes.filter { !$0.top1 }
            if !misses.isEmpty {
                s += "\nmisses:\n"
                s += "  case                     split    truth                      got (rank-1, confidence)\n"
                for m in misses.sorted(by: { ($0.testCase.cause, $0.testCase.id) < ($1.testCase.cause, $1.testCase.id) }) {
                    let got = m.error ?? (m.status == .noIncident ? "no-incident" : (m.ranked.first ?? "?"))
                    let conf = m.confidence.map { String(format: " %.2f", $0) } ?? ""
                    s += "  " + m.testCase.id.padding(toLength: 24, withPad: " ", startingAt: 0) + " "
                        + m.testCase.split.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                        + m.testCase.cause.padding(toLength: 26, withPad: " ", startingAt: 0) + " " + got + conf + "\n"
                }
                var byCause: [String: (Int, Int)] = [:]
                for o in outcomes { byCause[o.testCase.cause, default: (0, 0)].1 += 1; if !o.top1 { byCause[o.testCase.cause]!.0 += 1 } }
                s += "\nper cause (missed/total): "
                s += byCause.sorted { $0.key < $1.key }.filter { $0.value.0 > 0 }.map { "\($0.key) \($0.value.0)/\($0.value.1)" }
                    .joined(separator: ", ") + "\n"
            }
            return s
        }
    }

    /// Finds cases: every folder holding a truth.yaml under `corpus` (any depth up to 3); the split is
    /// the first path component when the case sits one folder down (`dev/case-001`, `blind-b/case-007`),
    /// else "all".
    public static func cases(corpus: String) throws(DiagnoseError) -> [CorpusCase] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: corpus) else { throw .noRunsRoot(corpus) }
        var out: [CorpusCase] = []
        while let rel = walker.nextObject() as? String {
            if rel.split(separator: "/").count > 3 { walker.skipDescendants(); continue }
            guard rel.hasSuffix("truth.yaml") else { continue }
            let folder = corpus + "/" + (rel as NSString).deletingLastPathComponent
            let parts = rel.split(separator: "/").map(String.init)
            let split = parts.count >= 3 ? parts[0] : "all"
            let id = parts.dropLast().joined(separator: "/")
            guard let text = try? String(contentsOfFile: corpus + "/" + rel, encoding: .utf8),
                  let node = (try? Yams.load(yaml: text)) as? [String: Any] else {
                throw .unreadable("cannot read \(corpus)/\(rel)")
            }
            let cause = node["cause"].map { "\($0)" } ?? "healthy"
            var runID = node["run_id"].map { "\($0)" }
            if runID == nil {
                // The one run whose run.yaml names a baseline.
                let runs = (try? fm.contentsOfDirectory(atPath: folder + "/runs")) ?? []
                runID = runs.first { Workspace.manifest(folder: folder + "/runs/" + $0).0.baseline != nil }
            }
            var key: [(String, Int)] = []
            for item in (node["key_evidence"] as? [[String: Any]]) ?? [] {
                if let f = item["file"].map({ "\($0)" }), let l = item["line"] as? Int { key.append((f, l)) }
            }
            out.append(CorpusCase(id: id, split: split, folder: folder, runID: runID ?? "?", cause: cause,
                                  onsetStep: node["onset_step"] as? Int, keyEvidence: key))
        }
        return out.sorted { $0.id < $1.id }
    }

    /// Runs every case with a fresh index in `scratch`.
    public static func run(cases: [CorpusCase], scratch: String, playbooks: String?,
                           progress: ((Int, Int) -> Void)? = nil) -> Summary {
        var outcomes: [Outcome] = []
        for (k, c) in cases.enumerated() {
            progress?(k + 1, cases.count)
            let start = Date()
            let indexPath = scratch + "/\(k).sqlite"
            var o = Outcome(testCase: c, status: .noIncident, ranked: [], seconds: 0)
            do {
                let session = try Session(workspace: Workspace(runs: c.folder + "/runs", index: indexPath))
                session.now = { Date(timeIntervalSince1970: 0) }
                let bundle = try session.diagnose(c.runID, baseline: nil, playbooks: playbooks)
                let d = bundle.diagnosis
                o.status = d.status
                o.ranked = d.hypotheses.map(\.cause)
                o.listed = (d.hypotheses + d.weakSignals).map(\.cause)
                if let top = d.hypotheses.first ?? d.weakSignals.first {
                    o.confidence = top.confidence
                    o.topCause = top.cause
                    o.rawScore = top.contributions.reduce(0) { $0 + $1.logOdds }
                }
                if c.cause != "healthy", o.top1, !c.keyEvidence.isEmpty, let top = d.hypotheses.first {
                    o.evidenceHit = top.evidence.contains { e in
                        guard let line = e.line else { return false }
                        return c.keyEvidence.contains { $0.file == e.source && abs($0.line - line) <= 2 }
                    }
                }
            } catch {
                o.error = "error: \(error.description)"
            }
            o.seconds = Date().timeIntervalSince(start)
            try? FileManager.default.removeItem(atPath: indexPath)
            try? FileManager.default.removeItem(atPath: indexPath + "-wal")
            try? FileManager.default.removeItem(atPath: indexPath + "-shm")
            outcomes.append(o)
        }
        let cal = outcomes.compactMap { o in o.confidence.map { (confidence: $0, correct: o.topCause == o.testCase.cause) } }
        return Summary(outcomes: outcomes, ece: Calibration.ece(cal))
    }

    /// Fits the calibration on the given outcomes (their raw rank-1 scores), keeping threshold and floor.
    public static func fit(_ outcomes: [Outcome], base: Calibration) -> Calibration {
        let samples = outcomes.compactMap { o in o.rawScore.map { (score: $0, correct: o.topCause == o.testCase.cause) } }
        var c = Calibration.fit(samples, base: base)
        c.note = "Platt fit on \(samples.count) dev cases"
        return c
    }

    /// The calibration file's text.
    public static func yaml(_ c: Calibration) -> String {
        """
        method: platt
        a: \(c.a)
        b: \(c.b)
        threshold: \(c.threshold)
        weak_floor: \(c.weakFloor)
        note: "\(c.note ?? "")"

        """
    }
}
