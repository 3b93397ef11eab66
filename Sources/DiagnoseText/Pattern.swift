#if canImport(Glibc)
import Glibc
#endif
import CPCRE2

/// A PCRE2 compile error that names the pattern and where it went wrong.
public struct PatternError: Error, CustomStringConvertible, Equatable {
    public let pattern: String
    public let offset: Int
    public let message: String
    public var description: String { "bad pattern /\(pattern)/ at offset \(offset): \(message)" }
}

/// A compiled PCRE2 pattern (JIT where the platform supports it). Compile once, match many:
/// matching needs a `Matcher`, which owns the match data and is not shared across threads.
public final class Pattern: @unchecked Sendable {
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let caseless = Options(rawValue: UInt32(PCRE2_CASELESS))
        public static let multiline = Options(rawValue: UInt32(PCRE2_MULTILINE))
        public static let dotAll = Options(rawValue: UInt32(PCRE2_DOTALL))
        public static let extended = Options(rawValue: UInt32(PCRE2_EXTENDED))
        /// Treat subjects as UTF-8 (checked). Off by default: logs are bytes and may be invalid.
        public static let utf = Options(rawValue: UInt32(PCRE2_UTF))
    }

    public let source: String
    let code: OpaquePointer
    public let captureCount: Int
    public let groupNames: [String: Int]
    public let jit: Bool

    public init(_ source: String, options: Options = []) throws(PatternError) {
        self.source = source
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let compiled: OpaquePointer? = source.withCString { ptr in
            pcre2_compile_8(UnsafeRawPointer(ptr).assumingMemoryBound(to: UInt8.self), Int(strlen(ptr)),
                            options.rawValue, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var buf = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &buf, buf.count)
            let msg = n > 0 ? String(decoding: buf[0..<Int(n)], as: UTF8.self) : "error \(errorCode)"
            throw PatternError(pattern: source, offset: errorOffset, message: msg)
        }
        code = compiled
        jit = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        groupNames = Pattern.readNames(compiled)
    }

    deinit { pcre2_code_free_8(code) }

    private static func readNames(_ code: OpaquePointer) -> [String: Int] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table)
        guard count > 0, let table else { return [:] }
        var names: [String: Int] = [:]
        for i in 0..<Int(count) {
            let entry = table + i * Int(entrySize)
            let group = Int(entry[0]) << 8 | Int(entry[1])
            let name = String(cString: entry + 2)
            names[name] = group
        }
        return names
    }

    /// A matcher for this pattern; create one per thread (or per parser session).
    public func matcher() -> Matcher { Matcher(self) }

    /// Convenience for cold paths and tests: the groups of the first match in `text`.
    public func firstMatch(in text: String) -> [String?]? {
        let m = matcher()
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { raw -> [String?]? in
            let buf = UnsafeRawBufferPointer(raw)
            guard m.matches(buf) else { return nil }
            return (0...captureCount).map { m.string($0) }
        }
    }

    /// Convenience: does `text` contain a match?
    public func matches(_ text: String) -> Bool { firstMatch(in: text) != nil }
}

/// Matches one pattern against byte buffers; holds the last match's group ranges.
public final class Matcher {
    public let pattern: Pattern
    private let data: OpaquePointer
    private var subject: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)

    init(_ pattern: Pattern) {
        self.pattern = pattern
        data = pcre2_match_data_create_from_pattern_8(pattern.code, nil)
    }
    deinit { pcre2_match_data_free_8(data) }

    /// Searches `bytes` (unanchored) from `start`. The buffer must stay valid while groups are read.
    @inline(__always)
    public func matches(_ bytes: UnsafeRawBufferPointer, from start: Int = 0) -> Bool {
        subject = bytes
        guard let base = bytes.baseAddress else {
            // An empty subject still needs a valid pointer.
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { p in
                pcre2_match_8(pattern.code, p, 0, 0, 0, data, nil) >= 0
            }
        }
        let rc = pcre2_match_8(pattern.code, base.assumingMemoryBound(to: UInt8.self), bytes.count,
                               start, 0, data, nil)
        return rc >= 0
    }

    /// The byte range of group `i` in the subject, or nil when it did not take part.
    public func range(_ i: Int) -> Range<Int>? {
        guard i <= pattern.captureCount else { return nil }
        let ov = pcre2_get_ovector_pointer_8(data)!
        let s = ov[2 * i], e = ov[2 * i + 1]
        if s == ~0 || e == ~0 { return nil }  // PCRE2_UNSET
        return Int(s)..<Int(e)
    }

    public func range(_ name: String) -> Range<Int>? {
        guard let i = pattern.groupNames[name] else { return nil }
        return range(i)
    }

    /// Group bytes as a view into the subject.
    public func bytes(_ i: Int) -> UnsafeRawBufferPointer? {
        guard let r = range(i), let base = subject.baseAddress else { return nil }
        return UnsafeRawBufferPointer(start: base + r.lowerBound, count: r.count)
    }

    public func bytes(_ name: String) -> UnsafeRawBufferPointer? {
        guard let i = pattern.groupNames[name] else { return nil }
        return bytes(i)
    }

    /// The `(*MARK:name)` the last successful match passed, if any.
    public var mark: String? {
        guard let p = pcre2_get_mark_8(data) else { return nil }
        // The mark is preceded by a code unit holding its length.
        let len = Int((p - 1).pointee)
        return String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self)
    }

    public func string(_ i: Int) -> String? { bytes(i).map { String(decoding: $0, as: UTF8.self) } }
    public func string(_ name: String) -> String? { bytes(name).map { String(decoding: $0, as: UTF8.self) } }
    public func double(_ i: Int) -> Double? { bytes(i).flatMap { Numbers.parseDouble($0) } }
    public func double(_ name: String) -> Double? { bytes(name).flatMap { Numbers.parseDouble($0) } }
    public func int(_ i: Int) -> Int? { bytes(i).flatMap { Numbers.parseInt($0) } }
    public func int(_ name: String) -> Int? { bytes(name).flatMap { Numbers.parseInt($0) } }
}
