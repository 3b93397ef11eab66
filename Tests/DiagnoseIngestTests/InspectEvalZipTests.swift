import DiagnoseCore
import DiagnoseText
import Foundation
import Testing
@testable import DiagnoseIngest

/// Inspect's zipped `.eval` logs, from fixtures written by Python's zipfile (Tests/Fixtures/inspect,
/// make_fixtures.py) in Inspect's layout, against the same log in the JSON form.
@Suite struct InspectEvalZipTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/inspect").path

    func parse(_ name: String, as path: String? = nil) throws -> RecordSink {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/" + name)))
        return try parse(bytes: bytes, path: path ?? "logs/" + name)
    }

    func parse(bytes: [UInt8], path: String) throws -> RecordSink {
        let abs = try ExampleRunner.write(bytes, dir: ExampleRunner.tempDir(), path: path)
        let head = try ExampleRunner.head(abs, path: path)
        let claimed = try #require(ParserRegistry.builtIn.claim(head, binary: true))
        #expect(claimed.parser.id == "inspect-eval")
        return try ExampleRunner.parse(claimed.parser, abs: abs, path: path)
    }

    /// The line of the first occurrence of `text` in a member.
    func line(of text: String, in member: String, of name: String) throws -> Int {
        let zip = try ZipArchive(path: Self.dir + "/" + name)
        let e = try #require(zip.entries.last { $0.name == member })
        let s = String(decoding: try zip.read(e), as: UTF8.self)
        let r = try #require(s.range(of: text))
        return s[..<r.lowerBound].filter { $0 == "\n" }.count + 1
    }

    @Test func sameRecordsAsTheJSONForm() throws {
        let zip = try parse("gsm8k.eval")
        let jsonPath = "logs/gsm8k.json"
        let json = try ExampleRunner.parse(InspectLogParser(),
                                           abs: try ExampleRunner.write([UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/gsm8k.json"))),
                                                                        dir: ExampleRunner.tempDir(), path: jsonPath),
                                           path: jsonPath)
        func noLine(_ s: EvalScore) -> EvalScore { var s = s; s.line = 0; return s }
        func noLine(_ s: EvalSample) -> EvalSample { var s = s; s.line = 0; return s }
        #expect(zip.evalScores.map(noLine) == json.evalScores.map(noLine))
        #expect(zip.evalScores.count == 1)
        #expect(zip.evalScores.first?.value == 0.6666666666666666)
        #expect(zip.evalScores.first?.stderr == 0.3333333333333333)
        #expect(zip.evalSamples.map(noLine) == json.evalSamples.map(noLine))
        #expect(zip.evalSamples.map(\.docID) == ["1#1", "2#1", "3#1"])
        #expect(zip.evalSamples.map(\.correct) == [true, false, true])
        #expect(zip.evalSamples[1].traits.contains(.truncated))
        let zipConfigs = zip.configs.map { "\($0.document)|\($0.entry.key)=\($0.entry.value)" }.sorted()
        let jsonConfigs = json.configs.map { "\($0.document)|\($0.entry.key)=\($0.entry.value)" }.sorted()
        #expect(zipConfigs == jsonConfigs)
        #expect(zipConfigs.contains("inspect|plan.config.max_tokens=512"))
        #expect(zip.problems.isEmpty && json.problems.isEmpty)
        #expect(zip.unparsedLines == 0)
    }

    @Test func recordsNameTheirMemberAndALineWithinIt() throws {
        let sink = try parse("gsm8k.eval")
        #expect(sink.evalSampleMembers == ["samples/1_epoch_1.json", "samples/2_epoch_1.json", "samples/3_epoch_1.json"])
        #expect(sink.evalSamples.map(\.line) == [1, 1, 1])
        #expect(sink.evalScoreMembers == ["header.json"])
        #expect(sink.evalScores.first?.line == (try line(of: "\"accuracy\": {", in: "header.json", of: "gsm8k.eval")))
        #expect(Set(sink.configMembers) == ["header.json"])
        let maxTokens = try #require(sink.configs.firstIndex { $0.entry.key == "plan.config.max_tokens" })
        #expect(sink.configs[maxTokens].entry.line == (try line(of: "\"max_tokens\": 512", in: "header.json", of: "gsm8k.eval")))
        // The file's lines: every JSON member read (start and header, three samples).
        let zip = try ZipArchive(path: Self.dir + "/gsm8k.eval")
        var want = 0
        for e in zip.entries where e.name == "header.json" || e.name.hasPrefix("samples/") {
            want += ConfigSupport.lineCount(try zip.read(e))
        }
        #expect(sink.linesRead == want)
    }

    @Test func runningEvalHasSettingsAndSamplesAndSaysItHasNotFinished() throws {
        let sink = try parse("running.eval")
        #expect(sink.evalScores.isEmpty)
        #expect(sink.evalSamples.map(\.docID) == ["1#1"])
        #expect(sink.configs.contains { $0.entry.key == "plan.config.max_tokens" })
        #expect(Set(sink.configMembers) == ["_journal/start.json"])
        #expect(sink.problems.map(\.message) == ["Inspect eval has not finished: no header.json (only _journal/start.json), so no scores"])
        #expect(sink.problemMembers == [nil])
    }

    @Test func failedEvalIsReportedFromItsHeader() throws {
        let sink = try parse("failed.eval")
        #expect(sink.problems.map(\.message) == ["Inspect eval status is error"])
        #expect(sink.problemMembers == ["header.json"])
        #expect(sink.problems.first?.line == (try line(of: "\"status\": \"error\"", in: "header.json", of: "failed.eval")))
        #expect(sink.evalSamples.count == 1)
    }

    @Test func truncatedZipKeepsWhatPrecedesTheCutAndCountsTheRest() throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/gsm8k.eval")))
        let zip = try ZipArchive(path: Self.dir + "/gsm8k.eval")
        b.removeSubrange(Int(zip.entries[3].localHeaderOffset + 60)...)
        let sink = try parse(bytes: b, path: "logs/cut.eval")
        #expect(sink.evalSamples.map(\.docID) == ["1#1", "2#1"])
        #expect(sink.unparsedLines == 1)
        let messages = sink.problems.map(\.message)
        #expect(messages.contains { $0.hasPrefix("Inspect .eval log: ZIP archive cut short: no central directory") })
        #expect(messages.contains("Inspect eval has not finished: no header.json (only _journal/start.json), so no scores"))
    }

    @Test func junkNamedEvalIsAClearError() throws {
        for junk in [Array("not a zip at all\njust text\n".utf8), (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }] {
            let path = "logs/junk.eval"
            let abs = try ExampleRunner.write(junk, dir: ExampleRunner.tempDir(), path: path)
            let head = try ExampleRunner.head(abs, path: path)
            let claimed = try #require(ParserRegistry.builtIn.claim(head, binary: Discovery.looksBinary(head)))
            #expect(claimed.parser.id == "inspect-eval")
            let sink = try ExampleRunner.parse(claimed.parser, abs: abs, path: path)
            #expect(sink.problems.map(\.message) == ["Inspect .eval log not read: \(ZipError.notZip)"])
            #expect(sink.unparsedLines == 1)
            #expect(sink.evalScores.isEmpty && sink.evalSamples.isEmpty)
        }
    }

    @Test func unreadableMembersAreCountedAndTheRestIsRead() throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/gsm8k.eval")))
        // One sample declares an absurd size, one uses Zstandard (recent Inspect's option).
        for (member, patch) in [("samples/1_epoch_1.json", 24), ("samples/3_epoch_1.json", 10)] {
            let cd = try #require(centralEntry(b, member))
            if patch == 24 { for k in 0..<4 { b[cd + 24 + k] = [0x00, 0x00, 0x00, 0x40][k] } } else { b[cd + 10] = 93 }
        }
        let sink = try parse(bytes: b, path: "logs/damaged.eval")
        #expect(sink.evalSamples.map(\.docID) == ["2#1"])
        #expect(sink.evalScores.count == 1)
        #expect(sink.unparsedLines == 2)
        #expect(sink.problemMembers == ["samples/1_epoch_1.json", "samples/3_epoch_1.json"])
        #expect(sink.problems[0].message.contains("above the 64 MiB cap"))
        #expect(sink.problems[1].message.contains("compression method 93 (Zstandard)"))
    }

    @Test func sniffing() throws {
        let zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/gsm8k.eval")))
        let p = InspectEvalZipParser()
        #expect(p.sniff(FileHead(path: "logs/a.eval", bytes: zip, size: Int64(zip.count))) >= 0.95)
        // Renamed: still an Inspect log by its first member.
        #expect(p.sniff(FileHead(path: "logs/a.zip", bytes: zip, size: Int64(zip.count))) >= 0.9)
        // Another zip is not.
        var other = zip
        other.replaceSubrange(30..<49, with: Array("word/document.xml__".utf8))
        #expect(p.sniff(FileHead(path: "doc.zip", bytes: other, size: Int64(other.count))) == 0)
        #expect(p.sniff(FileHead(path: "notes.txt", text: "hello")) == 0)
        // The JSON form stays with the JSON parser.
        let json = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/gsm8k.json")), as: UTF8.self)
        #expect(ParserRegistry.builtIn.claim(FileHead(path: "logs/gsm8k.json", text: json))?.parser.id == "inspect-log")
    }

    @Test func sampleOrderIsEpochThenNumericID() {
        let names = ["samples/10_epoch_1.json", "samples/2_epoch_2.json", "samples/2_epoch_1.json", "samples/abc_epoch_1.json"]
        #expect(names.sorted(by: InspectEvalZipParser.sampleOrder)
                == ["samples/2_epoch_1.json", "samples/10_epoch_1.json", "samples/abc_epoch_1.json", "samples/2_epoch_2.json"])
    }

    func centralEntry(_ b: [UInt8], _ member: String) -> Int? {
        let name = Array(member.utf8)
        var i = 0
        while i + 46 + name.count <= b.count {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x01, b[i + 3] == 0x02,
               Int(b[i + 28]) | Int(b[i + 29]) << 8 == name.count, Array(b[(i + 46)..<(i + 46 + name.count)]) == name {
                return i
            }
            i += 1
        }
        return nil
    }
}
