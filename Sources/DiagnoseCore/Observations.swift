/// What the index hands to analysis for one run: typed, sorted, with every record's source file.
/// Detectors are pure functions over these values (and the baseline's), so they are tested
/// without a database.

/// The optional `run.yaml` manifest (CONTRACT.md §1).
public struct RunManifest: Codable, Sendable, Hashable {
    public var baseline: String?
    public var startedAt: String?
    public var owner: String?
    public var tags: [String]
    public var notes: String?
    public init(baseline: String? = nil, startedAt: String? = nil, owner: String? = nil, tags: [String] = [],
                notes: String? = nil) {
        self.baseline = baseline; self.startedAt = startedAt; self.owner = owner; self.tags = tags; self.notes = notes
    }
}

/// One metric series: one metric from one file, one rank and one label, sorted by step (then time).
public struct MetricSeries: Sendable, Hashable {
    public var name: MetricName
    public var rank: Int?
    public var label: String?
    /// File path relative to the run folder.
    public var source: String
    public var points: [MetricPoint]
    public init(name: MetricName, rank: Int?, label: String?, source: String, points: [MetricPoint]) {
        self.name = name; self.rank = rank; self.label = label; self.source = source; self.points = points
    }
}

/// A record with the file it came from.
public struct Sourced<T: Sendable & Hashable>: Sendable, Hashable {
    public var source: String
    public var value: T
    public init(source: String, value: T) { self.source = source; self.value = value }
}

/// One config document (a file, or a logical document inside a file such as Megatron's printed
/// arguments block), flattened to dotted keys.
public struct ConfigDocument: Sendable, Hashable {
    /// File path relative to the run folder.
    public var path: String
    /// "" for the file itself, or a name for a document inside it.
    public var document: String
    public var kind: ConfigKind
    public var entries: [ConfigEntry]
    public init(path: String, document: String, kind: ConfigKind, entries: [ConfigEntry]) {
        self.path = path; self.document = document; self.kind = kind; self.entries = entries
    }
}

/// A mined log template and where it occurs in this run.
public struct TemplateStat: Sendable, Hashable {
    /// Stable across runs: the same template text has the same id in every run of one index.
    public var id: Int64
    public var text: String
    public var count: Int
    /// First occurrence.
    public var source: String
    public var firstLine: Int
    public var firstOffset: Int64
    public init(id: Int64, text: String, count: Int, source: String, firstLine: Int, firstOffset: Int64) {
        self.id = id; self.text = text; self.count = count; self.source = source; self.firstLine = firstLine
        self.firstOffset = firstOffset
    }
}

/// A file of the run as ingested.
public struct IngestedFile: Sendable, Hashable {
    public var path: String
    /// Parser id, or nil when unrecognised/skipped.
    public var format: String?
    public var lines: Int
    public var bytes: Int64
    public var unparsedLines: Int
    public var note: String?
    public init(path: String, format: String?, lines: Int, bytes: Int64, unparsedLines: Int, note: String?) {
        self.path = path; self.format = format; self.lines = lines; self.bytes = bytes
        self.unparsedLines = unparsedLines; self.note = note
    }
}

/// Everything known about one run.
public struct RunObservations: Sendable {
    public var runID: String
    /// Absolute path of the run folder (for re-reading cited lines).
    public var root: String
    public var manifest: RunManifest
    public var files: [IngestedFile]
    public var series: [MetricSeries]
    /// Notable events (every kind but `generic`, and warnings/errors), sorted by source then line.
    public var events: [Sourced<LogEvent>]
    public var evalScores: [Sourced<EvalScore>]
    public var evalSamples: [Sourced<EvalSample>]
    public var configs: [ConfigDocument]
    public var templates: [TemplateStat]

    public init(runID: String, root: String, manifest: RunManifest = RunManifest(), files: [IngestedFile] = [],
                series: [MetricSeries] = [], events: [Sourced<LogEvent>] = [], evalScores: [Sourced<EvalScore>] = [],
                evalSamples: [Sourced<EvalSample>] = [], configs: [ConfigDocument] = [], templates: [TemplateStat] = []) {
        self.runID = runID; self.root = root; self.manifest = manifest; self.files = files; self.series = series
        self.events = events; self.evalScores = evalScores; self.evalSamples = evalSamples; self.configs = configs
        self.templates = templates
    }

    /// All series of one metric.
    public func series(_ name: MetricName) -> [MetricSeries] { series.filter { $0.name == name } }
}
