import Foundation
import Testing

/// The HTML report as a file, and the JSON report's determinism, on copies of bundled samples.
@Suite struct HTMLReportTests {
    static let script = "<script>alert(1)</script>"
    static let img = "<img src=x onerror=alert(1)>"

    /// Every `<` of the planted strings must arrive as `&lt;`.
    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    @Test func htmlFileIsSelfContainedAndEscapesLogText() throws {
        let s = try SampleCopy("pt-350m-v32")
        defer { s.remove() }
        let log = s.runFolder + "/train.log"
        var text = try String(contentsOfFile: log, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Plant the payloads at the head of the line the OOM rule cites, in a new error line, in
        // a config value that differs from the baseline, in run.yaml and in a file name.
        let oom = try #require(lines.firstIndex { $0.contains("torch.OutOfMemoryError: CUDA out of memory.") })
        var edited = lines.map(String.init)
        edited[oom] = edited[oom].replacingOccurrences(
            of: "CUDA out of memory.", with: "CUDA out of memory. \(Self.script) \(Self.img)")
        edited.insert("[rank0]: RuntimeError: CUDA error: \(Self.img) \(Self.script)", at: oom + 1)
        text = edited.joined(separator: "\n")
        try text.write(toFile: log, atomically: true, encoding: .utf8)
        let args = s.runFolder + "/configs/training_args.json"
        let config = try String(contentsOfFile: args, encoding: .utf8)
        try config.replacingOccurrences(of: "\"run_name\": \"\(s.runID)\"", with: "\"run_name\": \"\(Self.script)\"")
            .write(toFile: args, atomically: true, encoding: .utf8)
        let manifest = try String(contentsOfFile: s.runFolder + "/run.yaml", encoding: .utf8)
        try (manifest + "notes: \"\(Self.img) \(Self.script)\"\n").write(toFile: s.runFolder + "/run.yaml",
                                                                          atomically: true, encoding: .utf8)
        try "\u{0}\u{1}\u{2}\(Self.script)".write(toFile: s.runFolder + "/\(Self.img).bin", atomically: true, encoding: .utf8)

        let file = s.root + "/report.html"
        let r = try s.diagnose([s.runID, "--format", "html", "--output", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOfFile: file, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") || html.hasPrefix("<!doctype html>"))
        #expect(html.contains("</html>"))
        let lower = html.lowercased()
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("<img"))
        // Event handlers only ever appear as escaped text, never inside a tag.
        #expect(!lower.contains(" onerror=alert(1)>"))
        #expect(!lower.contains("\" onerror="))
        #expect(!lower.contains("src=\"http"))
        #expect(!lower.contains("src='http"))
        #expect(!lower.contains("href=\"http"))
        #expect(!lower.contains("href='http"))
        #expect(!lower.contains("<link"))
        #expect(!lower.contains("@import"))
        #expect(!lower.contains("url(http"))
        // The planted strings did reach the report, escaped.
        #expect(html.contains(Self.escaped(Self.script)))
        #expect(html.contains(Self.escaped(Self.img)))
        // A chart of the run's metrics is inline SVG.
        #expect(html.contains("<svg"))
    }

    @Test func htmlOutputToAnUnwritablePathIsExit73() throws {
        let s = try SampleCopy("pt-350m-v32")
        defer { s.remove() }
        let r = try s.diagnose([s.runID, "--format", "html", "--output", s.root + "/no/such/dir/report.html"])
        #expect(r.status == 73)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// The report without its `generated_at` line.
    static func withoutClock(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("\"generated_at\"") }.joined(separator: "\n")
    }

    @Test(arguments: ["pt-350m-v32", "cpt-3b-r57"])
    func jsonReportIsTheSameBytesButForItsClock(caseID: String) throws {
        let s = try SampleCopy(caseID)
        defer { s.remove() }
        let first = try s.diagnose([s.runID, "--format", "json"])
        let second = try s.diagnose([s.runID, "--format", "json"])
        let fresh = try s.diagnose([s.runID, "--format", "json", "--index", s.root + "/other.sqlite"])
        for r in [first, second, fresh] { #expect(r.status == 0, "\(r.stderr)") }
        #expect(first.text.contains("\"generated_at\""))
        #expect(Self.withoutClock(first.stdout) == Self.withoutClock(second.stdout))
        #expect(Self.withoutClock(first.stdout) == Self.withoutClock(fresh.stdout))
        // HTML too, once its generation time is set aside.
        let h1 = try s.diagnose([s.runID, "--format", "html"])
        let h2 = try s.diagnose([s.runID, "--format", "html", "--index", s.root + "/other.sqlite"])
        let stamp = try #require((try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any])?["generated_at"] as? String)
        _ = stamp
        #expect(Self.maskTimes(h1.text) == Self.maskTimes(h2.text))
    }

    /// Replaces ISO 8601 UTC timestamps of the form 2026-11-21T19:57:41Z (the generation clock).
    static func maskTimes(_ s: String) -> String {
        var out = ""
        var chars = Array(s)
        var i = 0
        let shape = Array("dddd-dd-ddTdd:dd:ddZ")
        while i < chars.count {
            if i + shape.count <= chars.count,
               zip(chars[i..<i + shape.count], shape).allSatisfy({ c, p in p == "d" ? c.isNumber : c == p }) {
                out += "<time>"
                i += shape.count
            } else {
                out.append(chars[i]); i += 1
            }
        }
        chars = []
        return out
    }
}
