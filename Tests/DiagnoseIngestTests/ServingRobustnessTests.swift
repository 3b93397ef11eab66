import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseIngest

/// Bad input never crashes a parser: every example cut at many points, and garbage bytes, parse
/// without throwing (problems are reported, not fatal).
@Suite struct ServingRobustnessTests {
    @Test(arguments: ServingEvalFormats.parsers.map(\.id))
    func truncatedExamplesParse(id: String) throws {
        let parser = try #require(ServingEvalFormats.parsers.first { $0.id == id })
        for ex in parser.examples {
            let bytes = Array(ex.content.utf8)
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 23)) {
                let text = String(decoding: bytes[0..<cut], as: UTF8.self)
                _ = try ServingTestSupport.parse(parser, path: ex.path, content: text)
            }
        }
    }

    @Test(arguments: ServingEvalFormats.parsers.map(\.id))
    func garbageParses(id: String) throws {
        let parser = try #require(ServingEvalFormats.parsers.first { $0.id == id })
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let junk = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = parser.examples.first?.path ?? "x.txt"
            let dir = try ServingTestSupport.write([])
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(junk + Array("{[\"'<|".utf8)).write(to: url)
            _ = try? parser.parse(ParseInput(absolutePath: url.path, path: path), into: RecordSink())
        }
    }

    @Test func deeplyNestedJSON() throws {
        let deep = String(repeating: "[", count: 5000)
        _ = try ServingTestSupport.parse(JSONConfigParser(), path: "config.json", content: "{\"a\": " + deep)
        _ = try ServingTestSupport.parse(ToolSchemaParser(), path: "tools.json", content: deep)
    }

    @Test func deeplyNestedTOML() {
        _ = TOMLReader.read("a = " + String(repeating: "[", count: 5000))
    }

    @Test func deeplyNestedYAML() throws {
        let sink = try ServingTestSupport.parse(YAMLConfigParser(), path: "c.yaml", content: "a: " + String(repeating: "[", count: 5000))
        #expect(!sink.problems.isEmpty)
        let closed = "a: " + String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)
        _ = try ServingTestSupport.parse(YAMLConfigParser(), path: "d.yaml", content: closed)
        _ = try ServingTestSupport.parse(TOMLConfigParser(), path: "d.toml", content: "a = " + String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000))
    }

    @Test func deeplyNestedPythonRepr() throws {
        _ = try ServingTestSupport.parse(TextLogParser(), path: "server.log", content: "non-default args: " + String(repeating: "{'a': ", count: 5000))
    }
}
