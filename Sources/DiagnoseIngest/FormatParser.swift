import DiagnoseCore
import DiagnoseText

/// The head of a file, for cheap sniffing: the first bytes (decompressed for gzip) and lines.
public struct FileHead: Sendable {
    /// Path relative to the run folder, `/`-separated.
    public let path: String
    /// Lowercased last path component.
    public let name: String
    /// Lowercased extension without the dot (`gz` stripped first: `log.gz` -> `log`).
    public let ext: String
    /// The first bytes (at most 64 KiB).
    public let bytes: [UInt8]
    /// The head decoded (invalid UTF-8 repaired) with ANSI escapes removed.
    public let text: String
    /// The first lines of `text` (split on `\n` and `\r`), at most 200, empty ones dropped.
    public let lines: [String]
    /// File size on disk.
    public let size: Int64

    public init(path: String, bytes: [UInt8], size: Int64) {
        self.path = path
        let last = path.split(separator: "/").last.map(String.init) ?? path
        name = last.lowercased()
        var n = name
        if n.hasSuffix(".gz") { n.removeLast(3) }
        ext = n.split(separator: ".", omittingEmptySubsequences: false).count > 1
            ? String(n.split(separator: ".", omittingEmptySubsequences: false).last!) : ""
        self.bytes = bytes
        self.size = size
        let decoded = Ansi.strip(String(decoding: bytes, as: UTF8.self))
        text = decoded
        var out: [String] = []
        for l in decoded.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            if out.count >= 200 { break }
            if !l.isEmpty { out.append(String(l)) }
        }
        lines = out
    }

    /// Convenience for tests: a head from text.
    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8), size: Int64(text.utf8.count))
    }
}

/// Everything a parser needs to read one file.
public struct ParseInput: Sendable {
    /// Absolute path on disk.
    public let absolutePath: String
    /// Path relative to the run folder.
    public let path: String
    /// Where to start (incremental ingest of a grown file): byte offset and lines already read.
    public let startOffset: Int64
    public let startLine: Int
    /// Rank or node taken from the file name (`rank3.log`, `node03`), the fallback for lines
    /// without a rank prefix.
    public let rankHint: Int?
    /// Lines longer than this are cut (and counted).
    public let maxLineBytes: Int
    /// Read no further than this offset (the size seen at discovery: a file growing while read is
    /// finished by the next ingest).
    public let limit: Int64?

    public init(absolutePath: String, path: String, startOffset: Int64 = 0, startLine: Int = 0,
                rankHint: Int? = nil, maxLineBytes: Int = 1 << 20, limit: Int64? = nil) {
        self.absolutePath = absolutePath; self.path = path; self.startOffset = startOffset
        self.startLine = startLine; self.rankHint = rankHint; self.maxLineBytes = maxLineBytes; self.limit = limit
    }

    /// A line reader positioned where this input starts.
    public func reader() -> LineReader {
        LineReader(path: absolutePath, startOffset: startOffset, startLine: startLine, maxLineBytes: maxLineBytes,
                   limit: limit)
    }

    /// Reads the whole file (for whole-document formats), at most `cap` bytes.
    public func readAll(cap: Int = 256 << 20) throws -> [UInt8] {
        var out: [UInt8] = []
        var firstLine = true
        try LineReader(path: absolutePath, maxLineBytes: cap, limit: limit).forEach { view in
            if view.frame == 0 && !firstLine { out.append(0x0A) } else if view.frame > 0 { out.append(0x0D) }
            firstLine = false
            out.append(contentsOf: view.bytes)
            if out.count > cap { throw ReadError.readFailed(path: path, errno: 27) }
        }
        return out
    }
}

/// One format: a cheap `sniff` over a file's head and a streaming `parse`.
///
/// To add a format: write one type conforming to this protocol (with its examples) and add one
/// line to `ParserRegistry.builtIn`.
public protocol FormatParser: Sendable {
    /// Stable id shown in reports ("text-log", "jsonl-metrics", "hf-trainer-state", ...).
    var id: String { get }
    /// 0 = not this format, 1 = certainly this format. Looks only at the head.
    func sniff(_ head: FileHead) -> Double
    /// Streams the file's records into the sink. Throws only for a file it cannot read at all;
    /// problems inside the file are reported as `Record.problem` and parsing goes on.
    func parse(_ input: ParseInput, into sink: RecordSink) throws
    /// True when the parser can continue from a byte offset (line-oriented formats). Whole-document
    /// formats (a JSON results file) are re-parsed from the start when the file changes.
    var resumable: Bool { get }
    /// True for a binary format the parser reads itself (an Inspect `.eval` zip): a file that
    /// looks binary is offered to these parsers only, and listed as binary when none claims it.
    var readsBinary: Bool { get }
    /// Example inputs with the records they must yield; the registry test runs them all.
    var examples: [ParserExample] { get }
}

extension FormatParser {
    public var resumable: Bool { false }
    public var readsBinary: Bool { false }
    public var examples: [ParserExample] { [] }
}

/// A parser example: a file's content and checks on what it yields.
public struct ParserExample: Sendable {
    public let name: String
    /// File path relative to a run (its name can matter to sniffing).
    public let path: String
    public let content: String
    /// Expected: the sniff must be at least this for the owning parser.
    public let minSniff: Double
    /// Records the parse must yield (a subset check on the listed fields).
    public let expect: [Expectation]

    public init(name: String, path: String, content: String, minSniff: Double = 0.5, expect: [Expectation]) {
        self.name = name; self.path = path; self.content = content; self.minSniff = minSniff; self.expect = expect
    }

    /// One expected record. Fields left nil are not checked.
    public enum Expectation: Sendable {
        case metric(name: MetricName, value: Double, step: Int? = nil, line: Int? = nil, rank: Int? = nil)
        /// A metric that must be non-finite (NaN or infinite).
        case nonFinite(name: MetricName, step: Int? = nil, line: Int? = nil)
        case event(kind: EventKind, line: Int? = nil, rank: Int? = nil, step: Int? = nil, contains: String? = nil)
        case config(key: String, value: ConfigValue, document: String? = nil)
        case evalScore(task: String, metric: String, value: Double)
        case evalSample(task: String, docID: String, correct: Bool?, trait: GenerationTrait? = nil)
        /// Exactly this many records of the given shape.
        case count(metrics: Int? = nil, events: Int? = nil, unparsed: Int? = nil)
        case noEvent(kind: EventKind)
    }
}
