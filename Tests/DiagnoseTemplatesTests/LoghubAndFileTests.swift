import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import DiagnoseTemplates

/// `$LOGHUB_2K`, else `../shared/datasets/loghub-2k` beside the repository (README of the data set).
let loghubRoot: String = {
    if let env = getenv("LOGHUB_2K") { return String(cString: env) }
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/../shared/datasets/loghub-2k"
}()

let loghubPresent = access(loghubRoot + "/HDFS/HDFS_2k.log_structured.csv", R_OK) == 0

@Suite(.enabled(if: loghubPresent, "Loghub-2k not found beside the repository"))
struct LoghubTests {
    @Test(arguments: [("HDFS", 0.99), ("Apache", 0.99), ("OpenStack", 0.95), ("BGL", 0.95), ("Zookeeper", 0.95),
                      ("OpenSSH", 0.95), ("Windows", 0.95)])
    func groupingAccuracyFloor(_ dataset: String, _ floor: Double) throws {
        let r = try LoghubBenchmark.run(dataset: dataset, datasetRoot: loghubRoot, repetitions: 1)
        #expect(r.lines == 2_000)
        #expect(r.groupingAccuracy >= floor, "\(dataset) GA \(r.groupingAccuracy)")
    }

    @Test func averageOverAllDatasets() throws {
        let results = try LoghubBenchmark.run(datasetRoot: loghubRoot, repetitions: 1)
        #expect(results.count == 16)
        #expect(LoghubBenchmark.average(results).groupingAccuracy >= 0.90)
    }

    @Test func rawLinesWithHeaders() throws {
        let results = try LoghubBenchmark.run(datasetRoot: loghubRoot, input: .rawLines, repetitions: 1)
        #expect(results.count == 16)
        #expect(results.first { $0.dataset == "HDFS" }!.groupingAccuracy >= 0.99)
        #expect(LoghubBenchmark.average(results).groupingAccuracy >= 0.75)
    }

    @Test(arguments: ["Android", "Mac", "OpenStack", "Thunderbird"])
    func minedTemplatesAreNormalised(_ dataset: String) throws {
        let table = try LabelledLines.load(path: "\(loghubRoot)/\(dataset)/\(dataset)_2k.log_structured.csv")
        let miner = TemplateMiner()
        table.contents.withUnsafeBytes { all in
            for i in 0..<table.count { miner.add(UnsafeRawBufferPointer(rebasing: all[table.starts[i]..<table.starts[i + 1]])) }
        }
        for t in miner.templates { #expect(TemplateText.normalized(t.text) == t.text) }
    }

    /// Every line, cached or not, is covered by the template it was given: where the template
    /// is not `<*>` it holds the line's own masked token (the shape cache never lends a line a
    /// template of another line).
    @Test(arguments: LoghubDatasets.names)
    func everyLineIsCoveredByItsTemplate(_ dataset: String) throws {
        for input in LoghubBenchmark.Input.allCases {
            var table = try LabelledLines.load(path: "\(loghubRoot)/\(dataset)/\(dataset)_2k.log_structured.csv")
            if input == .rawLines { try table.replaceContents(withLinesOf: "\(loghubRoot)/\(dataset)/\(dataset)_2k.log") }
            let miner = TemplateMiner()
            var ids: [Int32] = []
            table.contents.withUnsafeBytes { all in
                for i in 0..<table.count {
                    ids.append(miner.add(UnsafeRawBufferPointer(rebasing: all[table.starts[i]..<table.starts[i + 1]])))
                }
            }
            var uncovered = 0
            for i in 0..<table.count {
                let text = String(decoding: table.contents[table.starts[i]..<table.starts[i + 1]], as: UTF8.self)
                let line = TemplateText.normalized(text).split(separator: " ")
                let template = miner.template(ids[i]).split(separator: " ")
                if template.count != min(line.count, 200)
                    || zip(template, line).contains(where: { $0 != "<*>" && $0 != $1 }) { uncovered += 1 }
            }
            #expect(uncovered == 0, "\(dataset) \(input): \(uncovered) lines not covered")
        }
    }

    @Test func missingDatasetIsAnError() {
        #expect(throws: LoghubBenchmark.Failure.self) {
            try LoghubBenchmark.run(dataset: "NoSuchLog", datasetRoot: loghubRoot, repetitions: 1)
        }
    }
}

@Suite struct TemplateFileTests {
    func write(_ bytes: [UInt8]) -> String {
        var template = Array((NSTemporaryDirectory() + "diagnose-templates-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return String(cString: template)
    }

    @Test func minesFramesAndStripsAnsi() throws {
        let text = "\u{1B}[32mINFO\u{1B}[39m step 1 loss 2.5\n"
            + "\u{1B}[32mINFO\u{1B}[39m step 2 loss 2.4\n"
            + " 10%|█         | 1/10 [00:01<00:09,  1.00it/s]\r 20%|██        | 2/10 [00:02<00:08,  1.00it/s]\n"
            + "Traceback (most recent call last):\n"
        let path = write(Array(text.utf8))
        defer { unlink(path) }
        let rows = try TemplateFile.lines(path: path)
        #expect(rows.map(\.line) == [1, 2, 3, 3, 4])
        #expect(rows[0].templateID == rows[1].templateID)
        #expect(rows[0].template == "INFO step <*> loss <*>")
        #expect(rows[2].templateID == rows[3].templateID)
        #expect(rows[4].template == "Traceback (most recent call last):")
        let csv = TemplateFile.csv(rows)
        #expect(csv.hasPrefix("line,template_id,template\n1,0,INFO step <*> loss <*>\n"))
        #expect(rows[2].template.contains(","))
        #expect(csv.contains("\n3,\(rows[2].templateID),\"\(rows[2].template)\"\n"))
    }

    @Test func summaryListsMostFrequentFirst() throws {
        let text = "start\n" + (1...5).map { "step \($0) loss 2.\($0)" }.joined(separator: "\n") + "\n"
        let path = write(Array(text.utf8))
        defer { unlink(path) }
        let (templates, stats) = try TemplateFile.summary(path: path)
        #expect(stats.lines == 6)
        #expect(templates.map(\.text) == ["step <*> loss <*>", "start"])
        #expect(templates.map(\.count) == [5, 1])
    }

    @Test func csvQuotesFieldsThatNeedIt() {
        #expect(TemplateFile.csvField("a b") == "a b")
        #expect(TemplateFile.csvField("a, b") == "\"a, b\"")
        #expect(TemplateFile.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }

    @Test func unreadableFileThrows() {
        #expect(throws: (any Error).self) { try TemplateFile.lines(path: "/nonexistent/diagnose/file.log") }
    }
}
