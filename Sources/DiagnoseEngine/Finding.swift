import DiagnoseCore

/// One thing the evidence tools found: a symptom, a log event or a config change, in one shape
/// so playbook matchers can query them alike and compare their onsets.
public struct Finding: Sendable, Hashable {
    public enum Origin: String, Sendable, Hashable { case symptom, event, config }

    public var origin: Origin
    /// The symptom kind (`failure` for failure events, `config-change` for config changes).
    public var kind: SymptomKind
    public var metric: MetricName?
    public var eventKind: EventKind?
    public var configKey: String?
    public var change: ConfigChange.Change?
    public var trait: GenerationTrait?
    public var step: Int?
    public var time: Double?
    public var rank: Int?
    public var magnitude: Double
    public var before: Double?
    public var after: Double?
    public var oldValue: String?
    public var newValue: String?
    public var summary: String
    public var evidence: [Evidence]
    /// How many occurrences it stands for (events of one kind and rank).
    public var count: Int

    public init(origin: Origin, kind: SymptomKind, metric: MetricName? = nil, eventKind: EventKind? = nil,
                configKey: String? = nil, change: ConfigChange.Change? = nil, trait: GenerationTrait? = nil,
                step: Int? = nil, time: Double? = nil, rank: Int? = nil, magnitude: Double = 1, before: Double? = nil,
                after: Double? = nil, oldValue: String? = nil, newValue: String? = nil, summary: String,
                evidence: [Evidence] = [], count: Int = 1) {
        self.origin = origin; self.kind = kind; self.metric = metric; self.eventKind = eventKind
        self.configKey = configKey; self.change = change; self.trait = trait; self.step = step; self.time = time
        self.rank = rank; self.magnitude = magnitude; self.before = before; self.after = after
        self.oldValue = oldValue; self.newValue = newValue; self.summary = summary; self.evidence = evidence
        self.count = count
    }

    init(symptom s: Symptom) {
        let preRun: Set<SymptomKind> = [.configChange, .templateChanged, .templateDynamicContent, .templateReordered]
        self.init(origin: preRun.contains(s.kind) ? .config : .symptom, kind: s.kind, metric: s.metric, eventKind: s.eventKind, configKey: s.configKey,
                  trait: s.trait, step: s.onsetStep ?? s.evidence.lazy.compactMap(\.step).first,
                  time: s.onsetTime ?? s.evidence.lazy.compactMap(\.time).first,
                  rank: s.rank, magnitude: s.magnitude, before: s.before, after: s.after, oldValue: s.oldValue,
                  newValue: s.newValue, summary: s.summary, evidence: s.evidence)
    }

    /// The first cited line, for ordering findings of one file.
    var anchor: (source: String, line: Int)? {
        for e in evidence { if let l = e.line { return (e.source, l) } }
        return nil
    }

    /// Whether `a` happened before (-1), together with (0) or after (1) `b`; nil when the inputs
    /// cannot tell. Config changes precede everything the run did. Steps decide where both have
    /// one and they differ, then times, then line order within one file.
    public static func order(_ a: Finding, _ b: Finding) -> Int? {
        switch (a.origin == .config, b.origin == .config) {
        case (true, true): return nil
        case (true, false): return -1
        case (false, true): return 1
        default: break
        }
        // Steps first: they agree across files, while clocks of different sources may not. Equal
        // steps (ranks failing in one step) fall through to time.
        if let sa = a.step, let sb = b.step, sa != sb { return sa < sb ? -1 : 1 }
        if let ta = a.time, let tb = b.time, ta.isFinite, tb.isFinite, ta != tb { return ta < tb ? -1 : 1 }
        if let la = a.anchor, let lb = b.anchor, la.source == lb.source, la.line != lb.line {
            return la.line < lb.line ? -1 : 1
        }
        if let sa = a.step, let sb = b.step, sa == sb { return 0 }
        if let ta = a.time, let tb = b.time, ta == tb { return 0 }
        return nil
    }

    /// Sort key: findings with an onset first, by time, then step, then citation.
    static func earlier(_ a: Finding, _ b: Finding) -> Bool {
        if let o = order(a, b), o != 0 { return o < 0 }
        switch (a.step, b.step) {
        case (nil, _?): return false
        case (_?, nil): return true
        default: break
        }
        let aa = a.anchor, bb = b.anchor
        if let aa, let bb { return (aa.source, aa.line) < (bb.source, bb.line) }
        return a.summary < b.summary
    }

    /// A label for the step or time it began.
    var onsetLabel: String? {
        if let step { return "step \(step)" }
        if let time, time.isFinite { return ISOTime.string(unix: time) }
        return nil
    }
}
