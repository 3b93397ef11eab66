import DiagnoseCore
import DiagnoseTemplates

/// Log templates the run has and its baseline has not, ranked by how alarming their words are.
///
/// Templates are compared by text after `TemplateText.normalized` (numbers, ids, paths masked),
/// so ids need not agree across runs. A novel template is reported when
/// - its words are severe (error, exception, failed, timeout, nan, killed, out of memory ...),
///   or the event the index holds at its first line is an error or a failure kind; or
/// - it has warning-level words (warning, retrying, skipped, invalid ...) and is not merely a
///   parameter variation of a baseline template (same length, differing only in a few
///   non-word tokens); or
/// - it has no such words, is not a variation, and occurs at least `Settings.minCountPlain` times.
///
/// So a healthy run against its healthy baseline (same code, other numbers and timestamps)
/// yields nothing, while a new error template surfaces first.
public enum TemplateNovelty {
    /// Thresholds of the rules above.
    public struct Settings: Sendable, Hashable {
        /// Score at and above which a novel template is always reported.
        public var severeScore: Double
        /// Occurrences a novel template without alarming words needs.
        public var minCountPlain: Int
        /// Most symptoms returned.
        public var maxSymptoms: Int
        public init(severeScore: Double = 2, minCountPlain: Int = 5, maxSymptoms: Int = 20) {
            self.severeScore = severeScore; self.minCountPlain = minCountPlain; self.maxSymptoms = maxSymptoms
        }
    }

    /// Novel templates of `run` against `baseline` as `SymptomKind.templateNovelty` symptoms, most
    /// severe first (then earliest). Empty when the baseline has no templates.
    public static func symptoms(run: [TemplateStat], baseline: [TemplateStat], runEvents: [Sourced<LogEvent>],
                                settings: Settings = Settings()) -> [Symptom] {
        guard !baseline.isEmpty, !run.isEmpty else { return [] }
        let known = Set(baseline.map { TemplateText.normalized($0.text) })
        let baselineByLength = Dictionary(grouping: known.map { tokens($0) }, by: \.count)

        var merged: [String: TemplateStat] = [:]
        for stat in run {
            let text = TemplateText.normalized(stat.text)
            if known.contains(text) { continue }
            if var seen = merged[text] {
                seen.count += stat.count
                if (stat.source, stat.firstLine) < (seen.source, seen.firstLine) {
                    seen.source = stat.source; seen.firstLine = stat.firstLine; seen.firstOffset = stat.firstOffset
                }
                merged[text] = seen
            } else {
                var copy = stat
                copy.text = text
                merged[text] = copy
            }
        }

        var events: [EventKey: LogEvent] = [:]
        for e in runEvents {
            let key = EventKey(source: e.source, line: e.value.line)
            if let old = events[key], old.severity >= e.value.severity { continue }
            events[key] = e.value
        }

        var found: [(score: Double, stat: TemplateStat, event: LogEvent?)] = []
        for stat in merged.values {
            let event = events[EventKey(source: stat.source, line: stat.firstLine)]
            var score = SeverityWords.score(stat.text)
            if let event {
                if EventKind.failures.contains(event.kind) || event.severity == .fatal {
                    score = max(score, 3)
                } else if event.severity == .error {
                    score = max(score, 2)
                } else if event.severity == .warning {
                    score = max(score, 1)
                }
            }
            if score < settings.severeScore {
                let variation = isVariation(tokens(stat.text), of: baselineByLength)
                if variation { continue }
                if score <= 0, stat.count < settings.minCountPlain { continue }
                if score <= 0 { score = 0.5 }
            }
            found.append((score, stat, event))
        }

        found.sort {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.stat.source != $1.stat.source { return $0.stat.source < $1.stat.source }
            if $0.stat.firstLine != $1.stat.firstLine { return $0.stat.firstLine < $1.stat.firstLine }
            return $0.stat.text < $1.stat.text
        }
        return found.prefix(settings.maxSymptoms).map { item in
            let s = item.stat
            let evidence = Evidence(kind: .template, source: s.source, line: s.firstLine, step: item.event?.step,
                                    time: item.event?.time, rank: item.event?.rank, excerpt: s.text)
            return Symptom(kind: .templateNovelty, eventKind: item.event?.kind, onsetStep: item.event?.step,
                           onsetTime: item.event?.time, rank: item.event?.rank, magnitude: item.score,
                           before: 0, after: Double(s.count),
                           summary: "New log template (\(s.count) line\(s.count == 1 ? "" : "s"), first at "
                               + "\(s.source):\(s.firstLine)): \(s.text)",
                           evidence: [evidence])
        }
    }

    private struct EventKey: Hashable {
        var source: String
        var line: Int
    }

    private static func tokens(_ text: String) -> [Substring] {
        text.split(separator: " ", omittingEmptySubsequences: true)
    }

    /// Same token count as a baseline template and differing from it only where either side has
    /// `<*>` or in at most a third of the positions, none of them a plain word against a plain word.
    static func isVariation(_ t: [Substring], of baseline: [Int: [[Substring]]]) -> Bool {
        guard let candidates = baseline[t.count], !t.isEmpty else { return false }
        let allowed = max(1, t.count / 3)
        for b in candidates {
            var differing = 0
            var ok = true
            for (x, y) in zip(t, b) where x != y && x != "<*>" && y != "<*>" {
                differing += 1
                if differing > allowed || (isPlainWord(x) && isPlainWord(y)) { ok = false; break }
            }
            if ok { return true }
        }
        return false
    }

    private static func isPlainWord(_ s: Substring) -> Bool {
        var u = s.utf8[...]
        if let last = u.last, last == UInt8(ascii: ".") || last == UInt8(ascii: ",") || last == UInt8(ascii: ":") {
            u = u.dropLast()
        }
        return u.count >= 2 && u.allSatisfy { ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }
    }
}

/// `TemplateNovelty` as a registry detector: the run's templates against the baseline's.
public struct TemplateNoveltyDetector: Detector {
    public let id = "template-novelty"
    public var settings: TemplateNovelty.Settings
    public init(settings: TemplateNovelty.Settings = .init()) { self.settings = settings }

    public func detect(_ input: AnalysisInput) -> [Symptom] {
        guard let baseline = input.baseline else { return [] }
        return TemplateNovelty.symptoms(run: input.run.templates, baseline: baseline.templates,
                                        runEvents: input.run.events, settings: settings)
    }
}
