import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import DiagnoseCore
@testable import DiagnoseTemplates

private let words = ["apple", "banana", "cherry", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
                     "kilo", "lima", "mike", "november", "oscar", "papa"]

/// Free text of one length: every line a different sentence (no two share their changing words).
private func sentence(_ i: Int) -> String {
    "User said: \(words[i % 16]) \(words[(i / 16) % 16]) \(words[(i / 256) % 16]) please"
}

@Suite struct BoundsTests {
    @Test func fullLeafStillGivesEveryLineATemplate() {
        let miner = TemplateMiner(configuration: .init(maxClustersPerLeaf: 8))
        var ids: [Int32] = []
        for i in 0..<1_000 { ids.append(miner.add(sentence(i))) }
        #expect(Set(ids).count == miner.templateCount)
        for i in 0..<1_000 { #expect(miner.add(sentence(i)) == ids[i]) }
        #expect(miner.templates.map(\.count).reduce(0, +) == 2_000)
    }

    @Test func templateCapSendsNewShapesToOverflow() {
        let miner = TemplateMiner(configuration: .init(maxTemplates: 10))
        for i in 0..<200 { miner.add(sentence(i)) }
        #expect(miner.templateCount == 11)
        let overflow = miner.templates.last!
        #expect(overflow.text == "<*> <*> <*> <*> <*> <*>")
        #expect(overflow.count == 190)
        #expect(miner.lineCount == 200)
    }

    @Test func tokenCapReadsUnseenTokensAsWildcards() {
        let miner = TemplateMiner(configuration: .init(maxDistinctTokens: 16))
        for i in 0..<100 { miner.add("token\(String(repeating: "z", count: i)) end") }
        #expect(miner.templates.map(\.count).reduce(0, +) == 100)
        #expect(miner.templates.contains { $0.text == "<*> end" })
    }
}

@Suite struct CollectorTests {
    @Test func firstOccurrencePerTemplateAcrossFiles() {
        let collector = TemplateCollector()
        func add(_ s: String, _ line: Int, _ offset: Int64) {
            var c = s
            c.withUTF8 { collector.add(UnsafeRawBufferPointer($0), line: line, offset: offset) }
        }
        collector.beginFile("logs/rank1.log")
        add("step 1 loss 2.5", 1, 0)
        add("step 2 loss 2.4", 2, 16)
        collector.beginFile("logs/rank0.log")
        add("step 1 loss 2.6", 1, 0)
        add("RuntimeError: CUDA out of memory.", 2, 16)
        collector.beginFile("logs/rank1.log")
        add("RuntimeError: CUDA out of memory.", 3, 32)
        let stats = collector.stats { $0 == "step <*> loss <*>" ? 42 : nil }
        #expect(stats.count == 2)
        let step = stats.first { $0.text == "step <*> loss <*>" }!
        #expect(step.id == 42)
        #expect(step.count == 3)
        #expect(step.source == "logs/rank1.log")
        #expect(step.firstLine == 1)
        let oom = stats.first { $0.text.hasPrefix("RuntimeError") }!
        #expect(oom.source == "logs/rank0.log")
        #expect(oom.firstLine == 2)
        #expect(oom.firstOffset == 16)
        #expect(oom.count == 2)
    }
}

@Suite struct FileBenchmarkTests {
    @Test func countsLinesFramesAndTemplates() throws {
        var path = Array((NSTemporaryDirectory() + "diagnose-filebench-XXXXXX").utf8CString)
        let fd = path.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        #expect(fd >= 0)
        let text = (1...300).map { "step \($0) loss \(Double($0) / 100)" }.joined(separator: "\n")
            + "\n 10%|#   | 1/10\r 20%|##  | 2/10\n"
        _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let file = String(cString: path)
        defer { unlink(file) }
        let r = try FileBenchmark.run(path: file, repetitions: 1)
        #expect(r.lines == 301)
        #expect(r.frames == 302)
        #expect(r.templates == 2)
        #expect(r.framesPerSecond > 0)
    }
}
