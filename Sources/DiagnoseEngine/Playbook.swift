import DiagnoseCore

/// One cause's investigation recipe, loaded from `playbooks/<cause>.yaml`: what supports the
/// cause, what argues against it, what to cite, how to fix it and how to verify the fix.
public struct Playbook: Sendable, Hashable {
    /// A TAXONOMY.md id.
    public var cause: String
    /// Path shown in reports (`playbooks/<cause>.yaml`).
    public var path: String
    /// Title templates, tried in order; the first whose conditions hold and whose placeholders
    /// all resolve is used.
    public var titles: [TitleTemplate]
    /// Summary template (same placeholders as titles).
    public var summary: String
    /// Prior log-odds before any evidence.
    public var prior: Double
    /// Named groups of matchers (required, or penalised when none matches).
    public var groups: [String: MatcherGroup]
    public var supports: [Matcher]
    public var against: [Matcher]
    public var gather: Gather
    public var remediation: String
    public var verify: String
    public var examples: Examples
    /// Config keys (globs) this playbook's author knows to be harmless, for the config diff.
    public var benignKeys: [String]
    /// Matcher ids whose finding marks the onset, in order of preference (else the earliest
    /// supporting finding that is not a config change).
    public var onset: [String] = []

    public init(cause: String, path: String, titles: [TitleTemplate], summary: String, prior: Double,
                groups: [String: MatcherGroup] = [:], supports: [Matcher], against: [Matcher] = [],
                gather: Gather = Gather(), remediation: String, verify: String, examples: Examples = Examples(),
                benignKeys: [String] = []) {
        self.benignKeys = benignKeys
        self.cause = cause; self.path = path; self.titles = titles; self.summary = summary; self.prior = prior
        self.groups = groups; self.supports = supports; self.against = against; self.gather = gather
        self.remediation = remediation; self.verify = verify; self.examples = examples
    }

    /// Supports then against, the order matchers are evaluated in before dependencies are resolved.
    public var allMatchers: [Matcher] { supports + against }
}

/// A title: `{id.field}` placeholders, used only when the matchers named in `when` found something.
public struct TitleTemplate: Sendable, Hashable {
    public var text: String
    public var when: [String]
    public init(_ text: String, when: [String] = []) { self.text = text; self.when = when }
}

/// A group of matchers: `required` means the cause is not considered unless one matches;
/// `ifAbsent` is added (usually negative) when none matches.
public struct MatcherGroup: Sendable, Hashable {
    public var required: Bool
    public var ifAbsent: Double?
    /// How the `ifAbsent` term reads in the report.
    public var label: String?
    public init(required: Bool = false, ifAbsent: Double? = nil, label: String? = nil) {
        self.required = required; self.ifAbsent = ifAbsent; self.label = label
    }
}

/// How a config number or flag moved from the baseline to the run.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    case increased, decreased, enabled, disabled, changed, added, removed
}

/// What a matcher looks at.
public enum MatcherSource: Sendable, Hashable {
    /// Symptoms of one kind (with engine fallbacks for `failure`, `resume` and `config-change`).
    case symptom(SymptomKind)
    /// Raw log events of these kinds.
    case events(Set<EventKind>)
    /// Mined log templates of the run whose text matches (any line, notable or not).
    case logTemplates(Glob)
}

/// One query of a playbook and the log-odds it adds when it finds something.
public struct Matcher: Sendable, Hashable {
    /// Name other matchers and title placeholders refer to.
    public var id: String?
    public var label: String?
    public var source: MatcherSource
    public var metric: Glob?
    public var eventKinds: Set<EventKind>?
    public var configKey: Glob?
    public var oldValue: Glob?
    public var newValue: Glob?
    public var traits: Set<GenerationTrait>?
    /// Any of these directions.
    public var directions: Set<Direction>?
    public var minMagnitude: Double?
    public var maxMagnitude: Double?
    /// Within `withinSteps` steps of the finding of the matcher with this id, either side.
    public var near: String?
    /// A glob the finding's summary or one of its cited excerpts must match.
    public var text: Glob?
    /// Bounds on the finding's `before` and `after` values (a baseline rate, a prior level).
    public var minBefore: Double?
    public var maxBefore: Double?
    public var minAfter: Double?
    public var maxAfter: Double?
    /// Onset strictly before the finding of the matcher with this id.
    public var before: String?
    /// Onset at or after the finding of the matcher with this id.
    public var after: String?
    /// With `after`: at most this many steps after it.
    public var withinSteps: Int?
    /// Only one rank shows it.
    public var oneRank: Bool
    /// No other failure precedes it.
    public var firstFailure: Bool
    /// On a different rank than the finding of the matcher with this id.
    public var differentRank: String?
    public var minCount: Int
    public var weight: Double
    /// Added when nothing matches.
    public var ifAbsent: Double?
    public var group: String?

    public init(id: String? = nil, label: String? = nil, source: MatcherSource, metric: Glob? = nil,
                eventKinds: Set<EventKind>? = nil, configKey: Glob? = nil, oldValue: Glob? = nil, newValue: Glob? = nil,
                traits: Set<GenerationTrait>? = nil, directions: Set<Direction>? = nil, minMagnitude: Double? = nil,
                maxMagnitude: Double? = nil, before: String? = nil, after: String? = nil, withinSteps: Int? = nil,
                oneRank: Bool = false, firstFailure: Bool = false, differentRank: String? = nil, minCount: Int = 1,
                weight: Double, ifAbsent: Double? = nil, group: String? = nil) {
        self.id = id; self.label = label; self.source = source; self.metric = metric; self.eventKinds = eventKinds
        self.configKey = configKey; self.oldValue = oldValue; self.newValue = newValue; self.traits = traits
        self.directions = directions; self.minMagnitude = minMagnitude; self.maxMagnitude = maxMagnitude
        self.before = before; self.after = after; self.withinSteps = withinSteps; self.oneRank = oneRank
        self.firstFailure = firstFailure; self.differentRank = differentRank; self.minCount = minCount
        self.weight = weight; self.ifAbsent = ifAbsent; self.group = group
    }

    /// This matcher with a proximity and a text condition.
    public func with(near: String?, text: Glob?) -> Matcher {
        var m = self
        m.near = near; m.text = text
        return m
    }

    /// This matcher with bounds on `before`/`after`.
    public func bounded(minBefore: Double?, maxBefore: Double?, minAfter: Double?, maxAfter: Double?) -> Matcher {
        var m = self
        m.minBefore = minBefore; m.maxBefore = maxBefore; m.minAfter = minAfter; m.maxAfter = maxAfter
        return m
    }

    /// Ids this matcher's conditions refer to.
    public var references: [String] { [before, after, differentRank, near].compactMap { $0 } }

    /// A short description for contributions and traces.
    public var displayLabel: String {
        if let label { return label }
        var s: String
        switch source {
        case .symptom(let k): s = k.rawValue
        case .events(let ks): s = "events " + ks.map(\.rawValue).sorted().joined(separator: "|")
        case .logTemplates(let g): s = "log lines " + g.pattern
        }
        var q: [String] = []
        if let metric { q.append(metric.pattern) }
        if let eventKinds { q.append(eventKinds.map(\.rawValue).sorted().joined(separator: "|")) }
        if let configKey { q.append(configKey.pattern) }
        if let traits { q.append(traits.map(\.rawValue).sorted().joined(separator: "|")) }
        if let directions { q.append(directions.map(\.rawValue).sorted().joined(separator: "|")) }
        if !q.isEmpty { s += " (" + q.joined(separator: ", ") + ")" }
        return s
    }
}

/// Extra citations to gather once a cause is a candidate.
public struct Gather: Sendable, Hashable {
    /// Log event kinds to cite (first occurrences).
    public var events: [EventKind]
    /// Metrics to cite at the hypothesis onset.
    public var metrics: [MetricName]
    public var maxPerKind: Int
    public init(events: [EventKind] = [], metrics: [MetricName] = [], maxPerKind: Int = 2) {
        self.events = events; self.metrics = metrics; self.maxPerKind = maxPerKind
    }
}

/// Sample incidents where the playbook must rank first, and healthy samples where it must stay silent.
public struct Examples: Sendable, Hashable {
    public var incidents: [String]
    public var healthy: [String]
    public init(incidents: [String] = [], healthy: [String] = []) { self.incidents = incidents; self.healthy = healthy }
}
