import Foundation
import Testing
@testable import DiagnoseText

enum TempFile {
    static func write(_ bytes: [UInt8], name: String = "f.log") throws -> String {
        let dir = NSTemporaryDirectory() + "diagnose-text-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ s: String, name: String = "f.log") throws -> String { try write(Array(s.utf8), name: name) }
}

struct Frame: Equatable, CustomStringConvertible {
    var text: String
    var number: Int
    var frame: Int
    var offset: Int64
    var truncated = false
    var description: String { "\(number).\(frame)@\(offset)\(truncated ? "!" : ""):\(text)" }
}

func frames(_ path: String, start: Int64 = 0, startLine: Int = 0, maxLineBytes: Int = 1 << 20,
            chunkSize: Int = 1 << 20) throws -> ([Frame], ReadStats) {
    var out: [Frame] = []
    let stats = try LineReader(path: path, startOffset: start, startLine: startLine, maxLineBytes: maxLineBytes,
                               chunkSize: chunkSize).forEach {
        out.append(Frame(text: $0.string, number: $0.number, frame: $0.frame, offset: $0.offset, truncated: $0.truncated))
    }
    return (out, stats)
}

@Suite struct LineReaderTests {
    @Test func newlineAndCRLF() throws {
        let (f, s) = try frames(try TempFile.write("a\r\nbb\nccc\n"))
        #expect(f == [Frame(text: "a", number: 1, frame: 0, offset: 0), Frame(text: "bb", number: 2, frame: 0, offset: 3),
                      Frame(text: "ccc", number: 3, frame: 0, offset: 6)])
        #expect(s.lines == 3)
        #expect(!s.endsMidLine)
        #expect(s.completeOffset == 10)
    }

    @Test func bareCRFramesShareALineNumber() throws {
        let (f, s) = try frames(try TempFile.write("bar 1\rbar 2\rbar 3\nnext\n"))
        #expect(f.map(\.number) == [1, 1, 1, 2])
        #expect(f.map(\.frame) == [0, 1, 2, 0])
        #expect(f.map(\.text) == ["bar 1", "bar 2", "bar 3", "next"])
        #expect(f[1].offset == 6)
        #expect(s.lines == 2)
    }

    @Test func emptyLinesAreCounted() throws {
        let (f, s) = try frames(try TempFile.write("a\n\n\nb\n"))
        #expect(s.lines == 4)
        #expect(f.last?.number == 4)
        #expect(f.filter { $0.text.isEmpty }.count == 2)
    }

    @Test func unterminatedLastLine() throws {
        let (f, s) = try frames(try TempFile.write("a\nb"))
        #expect(f.map(\.text) == ["a", "b"])
        #expect(s.endsMidLine)
        #expect(s.completeOffset == 2)
        #expect(s.completeLines == 1)
    }

    @Test func overLongLineIsCutAndCounted() throws {
        let long = String(repeating: "x", count: 5000)
        let (f, s) = try frames(try TempFile.write("short\n\(long)\nafter\n"), maxLineBytes: 1000, chunkSize: 512)
        #expect(f.count == 3)
        #expect(f[1].truncated && f[1].text.utf8.count == 1000)
        #expect(f[2] == Frame(text: "after", number: 3, frame: 0, offset: Int64(6 + 5001)))
        #expect(s.truncatedLines == 1)
        #expect(s.lines == 3)
    }

    @Test func invalidUTF8IsDeliveredAsBytes() throws {
        let path = try TempFile.write([0x61, 0xFF, 0xFE, 0x0A, 0xC3, 0x28, 0x0A])
        var raw: [[UInt8]] = []
        let s = try LineReader(path: path).forEach { raw.append(Array($0.bytes)) }
        #expect(raw == [[0x61, 0xFF, 0xFE], [0xC3, 0x28]])
        #expect(s.lines == 2)
    }

    @Test func gzipFile() throws {
        let plain = try TempFile.write("one\ntwo\rtwo-b\nthree\n", name: "g.log")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-k", plain]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(LineReader.isGzip(path: plain + ".gz"))
        let (f, s) = try frames(plain + ".gz")
        #expect(f.map(\.text) == ["one", "two", "two-b", "three"])
        #expect(f.map(\.number) == [1, 2, 2, 3])
        #expect(s.lines == 3)
    }

    @Test func startOffsetAndLine() throws {
        let path = try TempFile.write("l1\nl2\nl3\n")
        let (f, _) = try frames(path, start: 3, startLine: 1)
        #expect(f == [Frame(text: "l2", number: 2, frame: 0, offset: 3), Frame(text: "l3", number: 3, frame: 0, offset: 6)])
    }

    @Test func missingFileThrows() {
        #expect(throws: ReadError.self) { try LineReader(path: "/nonexistent/x.log").forEach { _ in } }
    }
}
