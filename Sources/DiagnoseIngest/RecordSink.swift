import DiagnoseCore
import DiagnoseText

/// Where parsers put records. The ingest pipeline drains it into the index in batches; tests
/// read it directly. A reference type so rules and parsers can share one per file; used by one
/// thread at a time and never re-entered, so its buffers skip the dynamic exclusivity checks.
public final class RecordSink {
    @exclusivity(unchecked) public private(set) var events: [LogEvent] = []
    @exclusivity(unchecked) public private(set) var metrics: [MetricPoint] = []
    @exclusivity(unchecked) public private(set) var evalScores: [EvalScore] = []
    @exclusivity(unchecked) public private(set) var evalSamples: [EvalSample] = []
    @exclusivity(unchecked) public private(set) var configs: [(document: String, kind: ConfigKind, entry: ConfigEntry)] = []
    @exclusivity(unchecked) public private(set) var problems: [(line: Int?, message: String)] = []
    /// Lines the parser claimed but could not understand.
    @exclusivity(unchecked) public private(set) var unparsedLines = 0
    /// Lines handed to the template miner (unstructured text).
    @exclusivity(unchecked) public private(set) var genericLines = 0
    /// Lines (and bytes) read so far, as the parser reports them through `progress`.
    @exclusivity(unchecked) public private(set) var linesRead = 0
    @exclusivity(unchecked) public private(set) var truncatedLines = 0

    /// The archive member being read (`samples/3_epoch_1.json` inside an Inspect `.eval` zip), nil
    /// for a plain file. Eval scores, eval samples, config entries and problems emitted while it
    /// is set carry it (their lines are lines within the member); the index cites them as
    /// `path!member`. Events and metrics carry none.
    public var member: String?
    /// The member of each record, parallel to `evalScores`, `evalSamples`, `configs`, `problems`.
    @exclusivity(unchecked) public private(set) var evalScoreMembers: [String?] = []
    @exclusivity(unchecked) public private(set) var evalSampleMembers: [String?] = []
    @exclusivity(unchecked) public private(set) var configMembers: [String?] = []
    @exclusivity(unchecked) public private(set) var problemMembers: [String?] = []

    /// Called with each unstructured line (ANSI-stripped payload) so the pipeline can mine its
    /// template. Set by the pipeline; nil in parser unit tests.
    public var templateHook: ((_ payload: UnsafeRawBufferPointer, _ line: Int, _ offset: Int64) -> Void)?
    /// Called at safe points (no multi-line record open) so the pipeline can commit a batch.
    public var safePointHook: ((_ nextOffset: Int64, _ linesDone: Int) -> Void)?

    public init() {}

    @inline(__always) public func emit(_ e: LogEvent) { events.append(e) }
    @inline(__always) public func emit(_ m: MetricPoint) {
        // A raw key printed in seconds for a metric kept in milliseconds (the label is the raw key).
        if let l = m.label {
            let f: Double
            if let known = scaleByLabel[l] { f = known } else {
                f = MetricVocabulary.scale(forRawKey: l) ?? 1
                scaleByLabel[l] = f
            }
            if f != 1 {
                var scaled = m
                scaled.value *= f
                metrics.append(scaled)
                return
            }
        }
        metrics.append(m)
    }
    /// Unit factors by raw key, so each distinct label is normalised once.
    private var scaleByLabel: [String: Double] = [:]
    public func emit(_ s: EvalScore) { evalScores.append(s); evalScoreMembers.append(member) }
    public func emit(_ s: EvalSample) { evalSamples.append(s); evalSampleMembers.append(member) }
    public func emitConfig(document: String = "", kind: ConfigKind, _ entry: ConfigEntry) {
        configs.append((document, kind, entry))
        configMembers.append(member)
    }
    public func problem(line: Int?, _ message: String) { problems.append((line, message)); problemMembers.append(member) }
    public func unparsed(line: Int) { unparsedLines += 1 }

    public func emit(_ record: Record) {
        switch record {
        case .event(let e): emit(e)
        case .metric(let m): emit(m)
        case .evalScore(let s): emit(s)
        case .evalSample(let s): emit(s)
        case .config(let d, let k, let e): emitConfig(document: d, kind: k, e)
        case .unparsed(let l): unparsed(line: l)
        case .problem(let l, let m): problem(line: l, m)
        }
    }

    /// An unstructured line: counted, and mined for its template when the pipeline listens.
    @inline(__always)
    public func generic(_ payload: UnsafeRawBufferPointer, line: Int, offset: Int64) {
        genericLines += 1
        templateHook?(payload, line, offset)
    }

    /// Parsers report how far they have read (after each line, or at the end of a document).
    @inline(__always)
    public func progress(lines: Int, truncated: Int = 0) {
        linesRead = lines
        truncatedLines = truncated
    }

    /// A point where every record up to `nextOffset` has been emitted and nothing is pending.
    @inline(__always)
    public func safePoint(nextOffset: Int64, linesDone: Int) { safePointHook?(nextOffset, linesDone) }

    /// Total records buffered (the pipeline flushes above a threshold).
    public var buffered: Int {
        events.count + metrics.count + evalScores.count + evalSamples.count + configs.count + problems.count
    }

    /// Hands the buffered records over and clears the buffers (counters are kept).
    public func drain() -> Batch {
        let b = Batch(events: events, metrics: metrics, evalScores: evalScores, evalSamples: evalSamples,
                      configs: configs, problems: problems, evalScoreMembers: evalScoreMembers,
                      evalSampleMembers: evalSampleMembers, configMembers: configMembers, problemMembers: problemMembers)
        events.removeAll(keepingCapacity: true)
        metrics.removeAll(keepingCapacity: true)
        evalScores.removeAll(keepingCapacity: true)
        evalSamples.removeAll(keepingCapacity: true)
        configs.removeAll(keepingCapacity: true)
        problems.removeAll(keepingCapacity: true)
        evalScoreMembers.removeAll(keepingCapacity: true)
        evalSampleMembers.removeAll(keepingCapacity: true)
        configMembers.removeAll(keepingCapacity: true)
        problemMembers.removeAll(keepingCapacity: true)
        return b
    }

    public struct Batch {
        public var events: [LogEvent]
        public var metrics: [MetricPoint]
        public var evalScores: [EvalScore]
        public var evalSamples: [EvalSample]
        public var configs: [(document: String, kind: ConfigKind, entry: ConfigEntry)]
        public var problems: [(line: Int?, message: String)]
        /// The archive member of each record (see `RecordSink.member`), parallel to its array.
        public var evalScoreMembers: [String?]
        public var evalSampleMembers: [String?]
        public var configMembers: [String?]
        public var problemMembers: [String?]
    }
}
