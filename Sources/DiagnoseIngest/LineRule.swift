import DiagnoseCore
import DiagnoseText

/// One line of a text log, as the rules see it. Views are valid only during the call.
public struct LineContext {
    /// 1-based line number (`grep -n`), byte offset of the frame, frame index within the line.
    public let number: Int
    public let offset: Int64
    public let frame: Int
    /// The raw bytes of the frame as in the file.
    public let raw: UnsafeRawBufferPointer
    /// The frame without ANSI escapes.
    public let text: UnsafeRawBufferPointer
    /// `text` after stacked prefixes (container timestamp, `[rank5]:`, `0: `, logger prefixes).
    public let payload: UnsafeRawBufferPointer
    /// Rank from a prefix, else the file's rank hint.
    public let rank: Int?
    /// Unix time from a prefix where one was found.
    public let time: Double?
    /// Severity from a logger prefix or level word where one was found.
    public let severity: Severity?
    /// The last training step seen in this file before this line (rules keep it current).
    public let step: Int?
    /// Path of the file relative to the run.
    public let path: String

    public init(number: Int, offset: Int64, frame: Int, raw: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer,
                payload: UnsafeRawBufferPointer, rank: Int?, time: Double?, severity: Severity?, step: Int?, path: String) {
        self.number = number; self.offset = offset; self.frame = frame; self.raw = raw; self.text = text
        self.payload = payload; self.rank = rank; self.time = time; self.severity = severity; self.step = step
        self.path = path
    }

    /// The payload as a String (allocates: use after a match, not before).
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
    public var textString: String { String(decoding: text, as: UTF8.self) }
}

/// What a rule did with a line.
public enum RuleOutcome: Equatable {
    /// Not this rule's line.
    case pass
    /// Understood; the line gets no generic event. `step` updates the file's current step.
    case consumed(step: Int?)
    /// Recorded something, but other rules may still look at the line (e.g. a tqdm frame that
    /// has a DeepSpeed record glued to it).
    case noted(step: Int?)
}

/// A rule over text-log lines: one recogniser for one family of lines (HF dicts, Megatron
/// iteration lines, OOM messages, ...). One instance per file, so it may keep state (a traceback
/// being collected). Rules only run on lines containing one of their `keywords` unless they are
/// `active` (collecting a multi-line block), which makes them see every line.
public protocol LineRule: AnyObject {
    /// Literal byte strings (case-sensitive); the rule runs only on lines containing one.
    /// Empty means every line (use sparingly: it costs on every line).
    var keywords: [String] { get }
    /// True while collecting a multi-line block: the rule sees every line and the file is not at
    /// a safe point.
    var active: Bool { get }
    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome
    /// End of input: flush an open block.
    func finish(_ sink: RecordSink)
}

extension LineRule {
    public var active: Bool { false }
    public func finish(_ sink: RecordSink) {}
}

/// A named rule with its examples (real lines from FORMATS.md and the records they yield).
public struct LineRuleSpec: Sendable {
    public let id: String
    public let make: @Sendable () -> LineRule
    public let examples: [ParserExample]
    public init(id: String, examples: [ParserExample] = [], make: @escaping @Sendable () -> LineRule) {
        self.id = id; self.make = make; self.examples = examples
    }
}
