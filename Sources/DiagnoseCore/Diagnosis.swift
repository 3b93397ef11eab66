import Foundation

/// One explicit term of a hypothesis' score, so a report can say why it ranks where it does.
public struct Contribution: Codable, Sendable, Hashable {
    /// What the term is about ("prior", "lr-jump-at-resume within 5 steps of resume", ...).
    public var label: String
    /// Log-odds added (positive supports, negative argues against).
    public var logOdds: Double

    public init(label: String, logOdds: Double) { self.label = label; self.logOdds = logOdds }
    enum CodingKeys: String, CodingKey { case label, logOdds = "log_odds" }
}

/// A ranked, cited root-cause hypothesis (CONTRACT.md §3).
public struct Hypothesis: Codable, Sendable, Hashable {
    public var rank: Int
    /// A TAXONOMY.md id.
    public var cause: String
    public var title: String
    /// Calibrated probability in [0, 1].
    public var confidence: Double
    public var summary: String
    public var evidence: [Evidence]
    public var remediation: String
    /// Path of the playbook, relative to the repository (`playbooks/<cause>.yaml`).
    public var playbook: String?
    public var contributions: [Contribution]
    /// How to confirm or refute it, and how to verify the fix.
    public var verify: String?
    public var onsetStep: Int?
    public var onsetTime: Double?

    public init(rank: Int, cause: String, title: String, confidence: Double, summary: String,
                evidence: [Evidence], remediation: String, playbook: String? = nil,
                contributions: [Contribution] = [], verify: String? = nil, onsetStep: Int? = nil,
                onsetTime: Double? = nil) {
        self.rank = rank; self.cause = cause; self.title = title; self.confidence = confidence
        self.summary = summary; self.evidence = evidence; self.remediation = remediation
        self.playbook = playbook; self.contributions = contributions; self.verify = verify
        self.onsetStep = onsetStep; self.onsetTime = onsetTime
    }

    enum CodingKeys: String, CodingKey {
        case rank, cause, title, confidence, summary, evidence, remediation, playbook, contributions, verify
        case onsetStep = "onset_step", onsetTime = "onset_time"
    }
}

/// A person's verdict on one hypothesis.
public struct Verdict: Codable, Sendable, Hashable {
    public enum Value: String, Codable, Sendable, Hashable, CaseIterable { case confirmed, rejected, inconclusive }
    public var rank: Int?
    public var cause: String
    public var verdict: Value
    public var by: String
    public var at: String
    public var note: String?

    public init(rank: Int?, cause: String, verdict: Value, by: String, at: String, note: String? = nil) {
        self.rank = rank; self.cause = cause; self.verdict = verdict; self.by = by; self.at = at; self.note = note
    }
}

/// The sign-off block of the report: `draft` until a person signs off.
public struct SignOff: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable { case draft, signedOff = "signed-off" }
    public var state: State
    public var by: String?
    public var at: String?
    public var verdicts: [Verdict]

    public init(state: State = .draft, by: String? = nil, at: String? = nil, verdicts: [Verdict] = []) {
        self.state = state; self.by = by; self.at = at; self.verdicts = verdicts
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(by, forKey: .by)
        try c.encodeIfPresent(at, forKey: .at)
        if !verdicts.isEmpty { try c.encode(verdicts, forKey: .verdicts) }
    }
    enum CodingKeys: String, CodingKey { case state, by, at, verdicts }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        state = try c.decode(State.self, forKey: .state)
        by = try c.decodeIfPresent(String.self, forKey: .by)
        at = try c.decodeIfPresent(String.self, forKey: .at)
        verdicts = try c.decodeIfPresent([Verdict].self, forKey: .verdicts) ?? []
    }
}

/// A file the ingest could not use, and why.
public struct FileNote: Codable, Sendable, Hashable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}

/// What went in: the coverage block of the report.
public struct InputsSummary: Codable, Sendable, Hashable {
    public var files: Int
    public var lines: Int
    public var unparsedLines: Int
    /// Files no parser recognised (paths relative to the run folder).
    public var unrecognizedFiles: [String]
    /// Binary or unreadable files, with the reason.
    public var skippedFiles: [FileNote]
    /// Recognised format id -> number of files.
    public var formats: [String: Int]
    public var bytes: Int64
    /// Lines longer than the reader's cap, cut (counted, never dropped).
    public var truncatedLines: Int
    /// Non-fatal problems (malformed JSON at a line, ...), "path:line: message".
    public var problems: [String]

    public init(files: Int = 0, lines: Int = 0, unparsedLines: Int = 0, unrecognizedFiles: [String] = [],
                skippedFiles: [FileNote] = [], formats: [String: Int] = [:], bytes: Int64 = 0,
                truncatedLines: Int = 0, problems: [String] = []) {
        self.files = files; self.lines = lines; self.unparsedLines = unparsedLines
        self.unrecognizedFiles = unrecognizedFiles; self.skippedFiles = skippedFiles; self.formats = formats
        self.bytes = bytes; self.truncatedLines = truncatedLines; self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case files, lines, bytes, formats, problems
        case unparsedLines = "unparsed_lines", unrecognizedFiles = "unrecognized_files"
        case skippedFiles = "skipped_files", truncatedLines = "truncated_lines"
    }
}

/// One change between the run's configs and the baseline's.
public struct ConfigChange: Codable, Sendable, Hashable {
    public enum Change: String, Codable, Sendable, Hashable { case added, removed, changed }
    /// File in the run (or the baseline's file for a removed document).
    public var file: String
    public var baselineFile: String?
    public var key: String
    public var change: Change
    public var oldValue: String?
    public var newValue: String?
    public var line: Int?
    public var baselineLine: Int?
    /// Material changes can cause incidents; benign ones (run names, seeds, logging) rarely do.
    public var material: Bool
    public var secret: Bool
    /// Why it was classified the way it was.
    public var reason: String?

    public init(file: String, baselineFile: String?, key: String, change: Change, oldValue: String?, newValue: String?,
                line: Int?, baselineLine: Int?, material: Bool, secret: Bool = false, reason: String? = nil) {
        self.file = file; self.baselineFile = baselineFile; self.key = key; self.change = change
        self.oldValue = oldValue; self.newValue = newValue; self.line = line; self.baselineLine = baselineLine
        self.material = material; self.secret = secret; self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case file, key, change, line, material, secret, reason
        case baselineFile = "baseline_file", oldValue = "old_value", newValue = "new_value"
        case baselineLine = "baseline_line"
    }
}

/// One dated or stepped entry of the run's timeline.
public struct TimelineEntry: Codable, Sendable, Hashable {
    public var step: Int?
    public var time: Double?
    public var label: String
    public var source: String?
    public var line: Int?
    public init(step: Int?, time: Double?, label: String, source: String? = nil, line: Int? = nil) {
        self.step = step; self.time = time; self.label = label; self.source = source; self.line = line
    }
}

/// One thing the investigator looked at, in order.
public struct TraceStep: Codable, Sendable, Hashable {
    public var action: String
    public var detail: String
    public init(action: String, detail: String) { self.action = action; self.detail = detail }
}

/// A series for charts: points of one metric (downsampled), run or baseline.
public struct ChartSeries: Codable, Sendable, Hashable {
    public var metric: String
    public var label: String
    public var baseline: Bool
    /// x is the step where known, else seconds since the first point.
    public var xIsStep: Bool
    public var x: [Double]
    public var y: [Double]
    public init(metric: String, label: String, baseline: Bool, xIsStep: Bool, x: [Double], y: [Double]) {
        self.metric = metric; self.label = label; self.baseline = baseline; self.xIsStep = xIsStep
        self.x = x; self.y = y
    }
    enum CodingKeys: String, CodingKey { case metric, label, baseline, x, y, xIsStep = "x_is_step" }
}

/// The whole result of diagnosing a run: the value every renderer renders.
public struct Diagnosis: Codable, Sendable, Hashable {
    public static let schemaID = "diagnose.report/v1"
    public enum Status: String, Codable, Sendable, Hashable { case incident, noIncident = "no-incident" }

    public var schema: String
    public var runID: String
    public var baselineRunID: String?
    /// ISO 8601, UTC, seconds.
    public var generatedAt: String
    public var status: Status
    public var hypotheses: [Hypothesis]
    /// Hypotheses that did not clear the threshold (additive field).
    public var weakSignals: [Hypothesis]
    public var signoff: SignOff
    public var inputs: InputsSummary
    public var symptoms: [Symptom]
    public var configDiff: [ConfigChange]
    public var timeline: [TimelineEntry]
    public var trace: [TraceStep]
    public var charts: [ChartSeries]

    public init(runID: String, baselineRunID: String?, generatedAt: String, status: Status,
                hypotheses: [Hypothesis] = [], weakSignals: [Hypothesis] = [], signoff: SignOff = SignOff(),
                inputs: InputsSummary = InputsSummary(), symptoms: [Symptom] = [], configDiff: [ConfigChange] = [],
                timeline: [TimelineEntry] = [], trace: [TraceStep] = [], charts: [ChartSeries] = []) {
        self.schema = Diagnosis.schemaID; self.runID = runID; self.baselineRunID = baselineRunID
        self.generatedAt = generatedAt; self.status = status; self.hypotheses = hypotheses
        self.weakSignals = weakSignals; self.signoff = signoff; self.inputs = inputs; self.symptoms = symptoms
        self.configDiff = configDiff; self.timeline = timeline; self.trace = trace; self.charts = charts
    }

    enum CodingKeys: String, CodingKey {
        case schema, status, hypotheses, signoff, inputs, symptoms, timeline, trace, charts
        case runID = "run_id", baselineRunID = "baseline_run_id", generatedAt = "generated_at"
        case weakSignals = "weak_signals", configDiff = "config_diff"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(runID, forKey: .runID)
        // The contract shows baseline_run_id always present: null when there is none.
        try c.encode(baselineRunID, forKey: .baselineRunID)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(status, forKey: .status)
        try c.encode(hypotheses, forKey: .hypotheses)
        try c.encode(weakSignals, forKey: .weakSignals)
        try c.encode(signoff, forKey: .signoff)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(symptoms, forKey: .symptoms)
        try c.encode(configDiff, forKey: .configDiff)
        try c.encode(timeline, forKey: .timeline)
        try c.encode(trace, forKey: .trace)
        try c.encode(charts, forKey: .charts)
    }

    /// Deterministic JSON: sorted keys, no escaped slashes.
    public func jsonData() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try enc.encode(self)
    }
}

/// ISO 8601 in UTC to the second, the one time format the reports use.
public enum ISOTime {
    public static func string(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
    public static func string(unix: Double) -> String { string(Date(timeIntervalSince1970: unix)) }
}
