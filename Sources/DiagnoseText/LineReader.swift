#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// One line, or one `\r`-separated frame of a line, as raw bytes. Valid only inside the callback.
public struct LineView {
    /// The bytes of this frame, without its terminator (`\n`, `\r\n` or `\r`).
    public let bytes: UnsafeRawBufferPointer
    /// 1-based line number as `grep -n` counts it: only `\n` ends a line, so the frames of a
    /// progress bar redrawn with `\r` share one number.
    public let number: Int
    /// Byte offset of the frame's first byte in the (uncompressed) file.
    public let offset: Int64
    /// 0 for the first frame of a line, 1... for frames after each bare `\r`.
    public let frame: Int
    /// True where the line was longer than the reader's cap and was cut.
    public let truncated: Bool
    /// Offset just past the whole line's terminator (where reading resumes after this line).
    public let lineEnd: Int64
    /// True for the line's last frame (after it, the line is fully delivered).
    public let isLastFrame: Bool

    public init(bytes: UnsafeRawBufferPointer, number: Int, offset: Int64, frame: Int = 0, truncated: Bool = false,
                lineEnd: Int64? = nil, isLastFrame: Bool = true) {
        self.bytes = bytes; self.number = number; self.offset = offset; self.frame = frame; self.truncated = truncated
        self.lineEnd = lineEnd ?? (offset + Int64(bytes.count) + 1)
        self.isLastFrame = isLastFrame
    }

    /// The frame as a String, invalid UTF-8 repaired with U+FFFD. Allocates: not for hot paths.
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// What a pass over a file saw.
public struct ReadStats: Sendable, Equatable {
    /// Lines (as `grep -c ''` counts them, plus an unterminated last line).
    public var lines = 0
    /// Frames delivered (lines plus extra `\r` frames, minus empty frames).
    public var frames = 0
    /// Bytes consumed from the start offset.
    public var bytes: Int64 = 0
    public var truncatedLines = 0
    /// The file ended without a final `\n`: the last line may still be being written.
    public var endsMidLine = false
    /// Offset just past the last complete line (where a later read should resume).
    public var completeOffset: Int64 = 0
    /// Lines up to `completeOffset`.
    public var completeLines = 0
    public init() {}
}

public enum ReadError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, errno: Int32)
    case readFailed(path: String, errno: Int32)
    case corruptGzip(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let e): "cannot open \(p): \(String(cString: strerror(e)))"
        case .readFailed(let p, let e): "read failed on \(p): \(String(cString: strerror(e)))"
        case .corruptGzip(let p, let m): "corrupt gzip data in \(p): \(m)"
        }
    }
}

/// A byte source: a plain file or a gzip stream, read in chunks.
private protocol ByteSource: AnyObject {
    func read(into: UnsafeMutableRawPointer, count: Int) throws(ReadError) -> Int
    func close()
}

private final class FileSource: ByteSource {
    let fd: Int32
    let path: String
    var remaining: Int64
    init(path: String, offset: Int64, limit: Int64?) throws(ReadError) {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .cannotOpen(path: path, errno: errno) }
        self.fd = fd; self.path = path
        var st = stat()
        fstat(fd, &st)
        // Read only what exists now: a file growing while read is finished by the next ingest.
        let size = Int64(st.st_size)
        remaining = max(0, min(limit ?? size, size) - offset)
        if offset > 0 { lseek(fd, off_t(offset), SEEK_SET) }
    }
    func read(into p: UnsafeMutableRawPointer, count: Int) throws(ReadError) -> Int {
        let want = Int(min(Int64(count), remaining))
        if want == 0 { return 0 }
        while true {
            let n = Glibc.read(fd, p, want)
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(path: path, errno: errno)
            }
            remaining -= Int64(n)
            return n
        }
    }
    func close() { _ = Glibc.close(fd) }
}

private final class GzipSource: ByteSource {
    let gz: gzFile
    let path: String
    init(path: String, offset: Int64) throws(ReadError) {
        guard let gz = gzopen(path, "rb") else { throw .cannotOpen(path: path, errno: errno) }
        self.gz = gz; self.path = path
        gzbuffer(gz, 1 << 17)
        if offset > 0 { gzseek(gz, Int(offset), SEEK_SET) }
    }
    /// Why the stream ended early (cut off or corrupt), once it has.
    var damage: String?
    func read(into p: UnsafeMutableRawPointer, count: Int) throws(ReadError) -> Int {
        guard damage == nil else { return 0 }
        let n = gzread(gz, p, UInt32(min(count, Int(Int32.max))))
        if n <= 0 {
            // A cut-off or corrupt stream ends the data: what decompressed before it is kept and
            // the reason stays for `LineReader.gzipDamage` (zlib keeps it for gzerror).
            var code: Int32 = 0
            let msg = gzerror(gz, &code).map { String(cString: $0) } ?? "unknown error"
            if n < 0 || code != Z_OK {
                damage = msg.hasPrefix(path + ": ") ? String(msg.dropFirst(path.count + 2)) : msg
            }
            return 0
        }
        return Int(n)
    }
    func close() { gzclose(gz) }
}

/// Streams a file line by line over bytes with bounded memory (about `chunkSize + maxLineBytes`).
///
/// `\n`, `\r\n` and bare `\r` end a frame; only `\n` advances the line number (CONTRACT.md §3).
/// Lines longer than `maxLineBytes` are cut and counted. Gzip files (by magic) are read through
/// zlib; offsets then refer to the uncompressed stream.
public struct LineReader {
    public let path: String
    public var startOffset: Int64
    public var startLine: Int
    public var maxLineBytes: Int
    public var chunkSize: Int
    /// Stop at this uncompressed offset (defaults to the file's size when opened).
    public var limit: Int64?

    public init(path: String, startOffset: Int64 = 0, startLine: Int = 0,
                maxLineBytes: Int = 1 << 20, chunkSize: Int = 1 << 20, limit: Int64? = nil) {
        self.path = path; self.startOffset = startOffset; self.startLine = startLine
        self.maxLineBytes = maxLineBytes; self.chunkSize = chunkSize; self.limit = limit
    }

    /// True when the file starts with the gzip magic bytes.
    public static func isGzip(path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        if fd < 0 { return false }
        defer { close(fd) }
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { Glibc.read(fd, $0.baseAddress, 2) }
        return n == 2 && magic.0 == 0x1f && magic.1 == 0x8b
    }

    /// For a gzip file: why its stream cannot be read to the end (cut off, corrupt), or nil when
    /// it can. Decompresses the whole file; readers stop quietly at such damage, so callers that
    /// must report it ask here.
    public static func gzipDamage(path: String) -> String? {
        guard isGzip(path: path), let source = try? GzipSource(path: path, offset: 0) else { return nil }
        defer { source.close() }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 17, alignment: 16)
        defer { buffer.deallocate() }
        while let n = try? source.read(into: buffer, count: 1 << 17), n > 0 {}
        return source.damage
    }

    /// Calls `body` for every frame of every line, in order.
    @discardableResult
    public func forEach(_ body: (LineView) throws -> Void) throws -> ReadStats {
        let source: ByteSource = LineReader.isGzip(path: path)
            ? try GzipSource(path: path, offset: startOffset)
            : try FileSource(path: path, offset: startOffset, limit: limit)
        defer { source.close() }

        let capacity = chunkSize + maxLineBytes + 1
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }

        var stats = ReadStats()
        var lineNo = startLine
        var start = 0          // first byte of the pending line in the buffer
        var end = 0            // end of valid data
        var scan = 0           // where the search for `\n` resumes
        var bufferBase = startOffset  // file offset of buffer[0]
        var skipping = false   // inside an over-long line: discard until `\n`
        var lineOpen = false   // frames of the current line were already delivered (a long `\r` line)
        var nextFrame = 0      // index of the current line's next frame
        var eof = false

        /// Delivers the frames in [s, e). `partial`: the line goes on after `e` (a progress bar
        /// longer than the cap is delivered frame by frame, not cut), so no frame is its last.
        func emitLine(_ s: Int, _ e: Int, truncated: Bool, end terminatorEnd: Int64, partial: Bool = false) throws {
            if !lineOpen {
                lineNo += 1
                stats.lines += 1
            }
            var lineEnd = e
            if !partial, lineEnd > s, buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D { lineEnd -= 1 }
            // Split on bare `\r`: progress-bar frames share the line number. Empty frames are
            // dropped unless the whole line is empty. Frames are emitted one behind, so the last
            // one can be marked.
            var pending: (Int, Int, Int)? = nil  // start, end, frame index
            var fs = s
            var frame = nextFrame
            func flush(last: Bool) throws {
                guard let (ps, pe, pf) = pending else { return }
                try body(LineView(bytes: UnsafeRawBufferPointer(start: buffer + ps, count: pe - ps), number: lineNo,
                                  offset: bufferBase + Int64(ps), frame: pf, truncated: truncated,
                                  lineEnd: terminatorEnd, isLastFrame: last))
                stats.frames += 1
                pending = nil
            }
            while true {
                let rem = lineEnd - fs
                let cr = rem > 0 ? memchr(buffer + fs, 0x0D, rem) : nil
                let fe = cr.map { $0 - UnsafeMutableRawPointer(buffer) } ?? lineEnd
                if fe > fs {
                    try flush(last: false)
                    pending = (fs, fe, frame)
                }
                frame += 1
                if cr == nil { break }
                fs = fe + 1
            }
            if partial {
                try flush(last: false)
                lineOpen = true
                nextFrame = frame
                return
            }
            if pending == nil && !lineOpen {
                // An empty line (or one made only of `\r`): deliver it once, empty.
                pending = (s, s, 0)
            }
            try flush(last: true)
            lineOpen = false
            nextFrame = 0
        }

        while true {
            // Find the next `\n` in [scan, end).
            if scan < end, let nl = memchr(buffer + scan, 0x0A, end - scan) {
                let p = nl - UnsafeMutableRawPointer(buffer)
                if skipping {
                    skipping = false
                    lineOpen = false
                    nextFrame = 0
                } else {
                    try emitLine(start, p, truncated: false, end: bufferBase + Int64(p + 1))
                }
                start = p + 1
                scan = start
                stats.completeOffset = bufferBase + Int64(start)
                stats.completeLines = lineNo
                continue
            }
            scan = end
            // No newline in the pending bytes.
            if !skipping && end - start >= maxLineBytes {
                // Frames up to the last `\r` are whole: deliver them, keep the rest pending.
                var c = end - 1
                while c >= start, buffer.load(fromByteOffset: c, as: UInt8.self) != 0x0D { c -= 1 }
                if c >= start {
                    try emitLine(start, c, truncated: false, end: -1, partial: true)
                    start = c + 1
                }
            }
            if !skipping && end - start >= maxLineBytes {
                try emitLine(start, start + maxLineBytes, truncated: true, end: -1)
                stats.truncatedLines += 1
                skipping = true
                start = end
                scan = end
            } else if skipping {
                start = end
                scan = end
            }
            if eof {
                if !skipping && end > start {
                    try emitLine(start, end, truncated: false, end: bufferBase + Int64(end))
                    stats.endsMidLine = true
                } else if skipping || lineOpen {
                    stats.endsMidLine = true
                }
                stats.bytes = bufferBase + Int64(end) - startOffset
                return stats
            }
            // Compact and refill.
            if start > 0 {
                let pending = end - start
                if pending > 0 { memmove(buffer, buffer + start, pending) }
                bufferBase += Int64(start)
                end = pending; scan -= start; start = 0
            }
            let room = capacity - end
            let n = try source.read(into: buffer + end, count: min(room, chunkSize))
            if n == 0 { eof = true } else { end += n }
        }
    }
}
