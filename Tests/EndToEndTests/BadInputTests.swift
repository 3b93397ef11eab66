import DiagnoseText
import Foundation
import Testing

/// A temporary runs root with one folder per run, written byte for byte.
struct BadRuns {
    let root: String
    var runs: String { root + "/runs" }

    init() throws { root = try CLI.tempRoot() }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    func write(_ run: String, _ path: String, _ bytes: [UInt8]) throws {
        let full = runs + "/" + run + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func write(_ run: String, _ path: String, _ text: String) throws {
        try write(run, path, Array(text.utf8))
    }

    func folder(_ run: String) throws {
        try FileManager.default.createDirectory(atPath: runs + "/" + run, withIntermediateDirectories: true)
    }

    func path(_ run: String, _ rel: String) -> String { runs + "/" + run + "/" + rel }

    /// `diagnose <run> --format json`: the exit status, the parsed report and its `inputs`.
    func report(_ run: String, _ extra: [String] = []) throws -> (CLI.Result, [String: Any], [String: Any]) {
        let r = try CLI.run([run, "--runs", runs, "--format", "json"] + extra)
        let obj = (try? JSONSerialization.jsonObject(with: r.stdout)) as? [String: Any] ?? [:]
        return (r, obj, obj["inputs"] as? [String: Any] ?? [:])
    }

    func search(_ run: String, _ words: [String], limit: Int = 200) throws -> CLI.Result {
        try CLI.run(["search", run, "--runs", runs, "--limit", "\(limit)"] + words)
    }

    /// `runs --detail` counts for one run, as `key -> value`.
    func counts(_ run: String) throws -> [String: Int] {
        let text = try CLI.run(["runs", "--detail", "--runs", runs]).text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(run + " ") }) else { return [:] }
        var out: [String: Int] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, let v = Int(kv[1]) { out[String(kv[0])] = v }
        }
        return out
    }
}

/// Lines as `grep -n` numbers them: the 1-based number of the first line containing `needle`.
func grepLine(_ bytes: [UInt8], _ needle: String) -> Int? {
    let n = Array(needle.utf8)
    var line = 1
    var i = 0
    while i + n.count <= bytes.count {
        if bytes[i] == 0x0A { line += 1; i += 1; continue }
        if bytes[i] == n[0], Array(bytes[i..<(i + n.count)]) == n { return line }
        i += 1
    }
    return nil
}

/// `wc -l` plus one for an unterminated last line.
func lineCount(_ bytes: [UInt8]) -> Int {
    let newlines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    return newlines + (bytes.last.map { $0 != 0x0A ? 1 : 0 } ?? 0)
}

/// Deterministic pseudo-random bytes.
func junk(_ count: Int, seed: UInt64) -> [UInt8] {
    var s = seed
    return (0..<count).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: s >> 33)
    }
}

let oomLine = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.23 GiB is free. Including non-PyTorch memory, this process has 77.91 GiB memory in use."

func strings(_ any: Any?) -> [String] { any as? [String] ?? [] }

func skippedPaths(_ inputs: [String: Any]) -> [String: String] {
    var out: [String: String] = [:]
    for case let note as [String: Any] in inputs["skipped_files"] as? [Any] ?? [] {
        if let p = note["path"] as? String { out[p] = note["reason"] as? String ?? "" }
    }
    return out
}

@Suite struct BadInputTests {
    @Test func malformedDocumentsAreReportedWithFileAndLine() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "eval/results_2026-11-03T08-00-00.json",
                    "{\n  \"results\": {\n    \"hellaswag\": {\n      \"alias\": \"hellaswag\",\n      \"acc,none\": 0.57,\n      \"acc_stderr,none\": 0.00")
        try t.write("r", "checkpoint-200/trainer_state.json",
                    "{\n  \"best_metric\": null,\n  \"epoch\": 0.5,\n  \"global_step\": 200,\n  \"log_history\": [\n    {\n      \"epoch\": 0.25,\n      \"grad_norm\": 1.2,\n      \"learning_rate\": 0.0003,\n      \"loss\": 2.31,\n      \"step\": 100\n    },\n    {\n      \"epoch\": 0.5,\n      \"grad_n")
        try t.write("r", "configs/train.yaml", "model:\n  name: llama\n  hidden: 4096\ntrain:\n  lr: [0.1, 0.2\n  batch: 8\n")
        try t.write("r", "configs/sched.toml", "[optimizer]\nlr = 3e-4\nbetas = [0.9, 0.95\n[data]\nseq_len = = 4096\n")
        try t.write("r", "tests/junit.xml", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites><testsuite name=\"pytest\" errors=\"0\" failures=\"1\" skipped=\"0\" tests=\"3\">\n<testcase classname=\"tests.test_gen\" name=\"test_a\" time=\"0.1\" />\n<testcase classname=\"tests.test_gen\" name=\"test_b\" time=\"0.2\"><failure message=\"assert 0.1 == 0.2\">def test_b():")
        try t.write("r", "eval/samples_gsm8k_2026-11-03T08-00-00.jsonl",
                    "{\"doc_id\": 0, \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Q\"}}, \"resps\": [[\"4\"]], \"filtered_resps\": [\"4\"], \"exact_match\": 1.0}\n{\"doc_id\": 1, \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Q")
        try t.write("r", "logs/rank0.log", "INFO starting\nINFO step 1 loss 2.5\n" + oomLine + "\n")
        let (r, obj, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["files"] as? Int == 7)
        let problems = strings(inputs["problems"])
        for file in ["eval/results_2026-11-03T08-00-00.json", "checkpoint-200/trainer_state.json",
                     "configs/train.yaml", "configs/sched.toml"] {
            #expect(problems.contains { $0.hasPrefix(file + ":") }, "no problem for \(file) in \(problems)")
        }
        for file in ["eval/results_2026-11-03T08-00-00.json", "checkpoint-200/trainer_state.json",
                     "configs/train.yaml", "configs/sched.toml", "tests/junit.xml",
                     "eval/samples_gsm8k_2026-11-03T08-00-00.jsonl"] {
            let withLine = problems.contains { p in
                guard p.hasPrefix(file + ":") else { return false }
                return Int(p.dropFirst(file.count + 1).prefix { $0.isNumber }) != nil
            }
            #expect(withLine, "no line number for \(file) in \(problems)")
        }
        #expect(strings(inputs["unrecognized_files"]).isEmpty)
        #expect(obj["status"] as? String == "incident")
        let found = try t.search("r", ["CUDA", "memory"])
        #expect(found.text.contains("logs/rank0.log:3:"))
    }

    /// Regression: every malformed line of a request log became a problem line in the report
    /// (50,000 lines gave a 4.5 MB JSON report); now the first few are listed and the rest counted.
    @Test func aFloodOfMalformedLinesIsCountedNotListed() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var text = ""
        for i in 0..<20 { text += "{\"id\": \"req-\(i)\", \"usage\": {\"prompt_tokens\": 120, \"completion_tokens\": 30}}\n" }
        for i in 0..<5000 { text += "{\"id\": \"req-x\(i)\", \"usage\": {\"prompt_tokens\": 1\n" }
        try t.write("r", "serving/requests.jsonl", text)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        let problems = strings(inputs["problems"]).filter { $0.hasPrefix("serving/requests.jsonl") }
        #expect(problems.count <= 25, "\(problems.count) problems listed")
        #expect(problems.contains { $0.contains("5000 in all") }, "\(problems.suffix(2))")
        #expect(problems.first?.hasPrefix("serving/requests.jsonl:21: ") == true, "\(problems.prefix(1))")
    }

    @Test func binaryJunkIsListedWithAReasonAndGzipIsRead() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "junk/random.dat", junk(20_000, seed: 7))
        try t.write("r", "junk/bundle.zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00] + junk(3000, seed: 3))
        try t.write("r", "junk/loss.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52] + junk(500, seed: 5))
        try t.write("r", "junk/zeros.log", [UInt8](repeating: 0, count: 4096))
        try t.write("r", "training_args.bin", [0x80, 0x04, 0x95, 0x10, 0x00, 0x00, 0x00] + Array("transformers.training_args".utf8))
        var log = ""
        for i in 1...500 { log += "INFO step \(i) took 120 ms\n" }
        log += oomLine + "\n"
        try t.write("r", "logs/rank0.log", log)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gz.arguments = ["gzip", t.path("r", "logs/rank0.log")]
        try gz.run()
        gz.waitUntilExit()
        #expect(gz.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: t.path("r", "logs/rank0.log.gz")))

        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["files"] as? Int == 6)
        let skipped = skippedPaths(inputs)
        let listed = Set(skipped.keys).union(strings(inputs["unrecognized_files"]))
        for p in ["junk/random.dat", "junk/bundle.zip", "junk/loss.png", "junk/zeros.log", "training_args.bin"] {
            #expect(listed.contains(p), "\(p) not listed: \(inputs)")
        }
        for p in ["junk/random.dat", "junk/bundle.zip", "junk/loss.png", "junk/zeros.log"] {
            #expect(!(skipped[p] ?? "").isEmpty, "\(p) has no reason")
        }
        #expect(skipped["training_args.bin"]?.lowercased().contains("pickle") == true)
        #expect(inputs["lines"] as? Int == 501)
        let found = try t.search("r", ["CUDA", "memory"])
        #expect(found.text.contains("logs/rank0.log.gz:501:"), "\(found.text)")
    }

    /// Regression: a cut-off `.gz` lost every line (the reader threw before the counts were
    /// kept) or, read quietly, hid the damage; a FIFO was silently left out (and must never be opened);
    /// a Latin-1 file name was reported as missing.
    @Test func cutGzipAndSpecialFilesAreReported() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var log = ""
        for i in 1...20_000 { log += "[rank1]: INFO step \(i) worker \(i % 7) took \(i % 91) ms\n" }
        try t.write("r", "logs/rank1.log", log)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gz.arguments = ["gzip", "-1", t.path("r", "logs/rank1.log")]
        try gz.run()
        gz.waitUntilExit()
        let whole = try Data(contentsOf: URL(fileURLWithPath: t.path("r", "logs/rank1.log.gz")))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: t.path("r", "logs/rank1.log.gz")))
        #expect(mkfifo(t.path("r", "logs/live.pipe"), 0o644) == 0)
        try t.write("r", "logs/rank0.log", "INFO hello\n")
        var latin1 = Array(t.path("r", "logs/").utf8) + [0x72, 0xE9, 0x73, 0x75, 0x6C, 0x74, 0x2E, 0x6C, 0x6F, 0x67, 0]
        let fd = latin1.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(fd >= 0)
        close(fd)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["files"] as? Int == 4)
        #expect(skippedPaths(inputs)["logs/r\u{FFFD}sult.log"]?.contains("UTF-8") == true, "\(inputs)")
        #expect(skippedPaths(inputs)["logs/live.pipe"]?.contains("pipe") == true, "\(inputs)")
        #expect(strings(inputs["problems"]).contains { $0.hasPrefix("logs/rank1.log.gz:") && $0.contains("gzip") },
                "\(inputs)")
        let lines = inputs["lines"] as? Int ?? 0
        #expect(lines > 1000 && lines < 20_001, "\(lines)")
    }

    /// Regression: one damaged sample line in a scrape turned the whole file into a text log.
    @Test func aDamagedPrometheusScrapeIsStillReadAsMetrics() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var text = "# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.\n"
        text += "# TYPE vllm:prefix_cache_queries_total counter\n"
        text += "vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 1000.0\n"
        text += "# HELP vllm:prefix_cache_hits_total Prefix cache hits, in terms of number of cached tokens.\n"
        text += "# TYPE vllm:prefix_cache_hits_total counter\n"
        text += "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\" 400.0\n"
        text += "vllm:prefix_cache_hits_total{engine=\"1\",model_name=\"m\"} 300.0\n"
        try t.write("r", "metrics/replica-0.prom", text)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect((inputs["formats"] as? [String: Int])?["prometheus-text"] == 1, "\(inputs)")
        #expect(inputs["unparsed_lines"] as? Int == 1)
        #expect(try t.counts("r")["metric_points"] ?? 0 >= 2)
    }

    /// A JSON-lines metrics file whose second line is longer than the 64 KiB sniffing head.
    /// Regression: the sniff counted the head's last, cut-off line as a non-metric line.
    @Test func aMetricsLineLongerThanTheHeadKeepsTheFileAsMetrics() throws {
        let t = try BadRuns()
        defer { t.remove() }
        let long = String(repeating: "z", count: 100 << 10)
        try t.write("r", "logs/train_metrics.jsonl",
                    "{\"step\": 1, \"loss\": 2.5}\n{\"step\": 2, \"loss\": 2.4, \"note\": \"\(long)\"}\n{\"step\": 3, \"loss\": 2.3}\n")
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect((inputs["formats"] as? [String: Int])?["jsonl-metrics"] == 1, "\(inputs)")
        #expect(try t.counts("r")["metric_points"] == 3)
    }

    @Test func tenMegabyteLinesAreCutCountedAndReadPast() throws {
        let t = try BadRuns()
        defer { t.remove() }
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
        try t.write("r", "logs/one-line.log", big)
        var middle = Array("INFO starting\nINFO step 1 loss 2.5\nINFO dumping tensor ".utf8) + big + [0x0A]
        middle += Array("INFO step 2 loss 2.4\n\(oomLine)\nINFO after\n".utf8)
        try t.write("r", "logs/rank0.log", middle)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["truncated_lines"] as? Int ?? 0 >= 2, "\(inputs)")
        #expect(inputs["lines"] as? Int == 1 + lineCount(middle))
        let found = try t.search("r", ["CUDA", "memory"])
        let expected = try #require(grepLine(middle, "CUDA out of memory"))
        #expect(expected == 5)
        #expect(found.text.contains("logs/rank0.log:\(expected):"), "\(found.text)")
        let symptoms = try CLI.run(["symptoms", "r", "--runs", t.runs, "--format", "json"])
        #expect(symptoms.status == 0)
        #expect(symptoms.text.lowercased().contains("out of memory") || symptoms.text.contains("oom"))
    }

    /// Regression: a progress bar redrawn with `\r` for hours is one `grep -n` line of many MiB;
    /// it was cut at 1 MiB and every later frame (the last state, an error printed over it) lost.
    @Test func aLongProgressBarLineKeepsItsLastFrames() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var bytes = Array("INFO starting\n".utf8)
        for i in 0..<40_000 {
            bytes += Array("Epoch 1:  \(i * 100 / 40_000)%|#####     | \(i)/40000 [01:02<02:03, 9.87it/s, loss=2.31]\r".utf8)
        }
        bytes += Array(oomLine.utf8) + [0x0A]
        bytes += Array("INFO after\n".utf8)
        #expect(bytes.count > 2 << 20)
        try t.write("r", "logs/rank0.log", bytes)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["lines"] as? Int == 3)
        #expect(inputs["truncated_lines"] as? Int == 0)
        let found = try t.search("r", ["CUDA", "memory"])
        #expect(found.text.contains("logs/rank0.log:2: torch.OutOfMemoryError"), "\(found.text.prefix(300))")
        #expect(try t.search("r", ["after"]).text.contains("logs/rank0.log:3:"))
    }

    @Test func invalidUTF8AroundAFailureStillFindsIt() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var bytes: [UInt8] = Array("INFO starting \u{00e9}t\u{00e9}\n".utf8)
        bytes += Array("INFO step 3 ".utf8) + [0xFF, 0xFE] + Array(" loss 2.5\n".utf8)
        bytes += Array("WARN cut ".utf8) + [0xE2, 0x82] + [0x0A]
        bytes += [0xC3] + Array(oomLine.utf8) + [0xF0, 0x9F, 0x0A]
        bytes += Array("INFO tail ".utf8) + [0xED, 0xA0, 0x80, 0xC0, 0xAF] + [0x0A]
        try t.write("r", "logs/rank0.log", bytes)
        let (r, obj, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect((try? String(validating: r.stdout, as: UTF8.self)) != nil)
        #expect(!obj.isEmpty, "stdout is not JSON")
        #expect(inputs["lines"] as? Int == 5)
        #expect(obj["status"] as? String == "incident")
        let hypotheses = obj["hypotheses"] as? [[String: Any]] ?? []
        #expect(hypotheses.contains { $0["cause"] as? String == "cuda-oom" }, "\(hypotheses.map { $0["cause"] ?? "" })")
        let found = try t.search("r", ["CUDA", "memory"])
        #expect(found.text.contains("logs/rank0.log:4:"), "\(found.text)")
        #expect((try? String(validating: found.stdout, as: UTF8.self)) != nil)
    }

    @Test func aFileGrowingWhileReadIsCompletedExactly() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "logs/rank0.log", "INFO start\n")
        let path = t.path("r", "logs/rank0.log")
        final class Writer: @unchecked Sendable { var done = false }
        let writer = Writer()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            for i in 0..<400 {
                var chunk = ""
                for j in 0..<250 { chunk += "[rank0]: INFO step \(i * 250 + j) worker \(j % 7) took \(j) ms\n" }
                // Half a line now, the rest with the next chunk: readers meet unterminated lines.
                chunk += "INFO partial \(i) "
                h.write(Data(chunk.utf8))
                h.write(Data("end\n".utf8))
                if i % 10 == 0 { Thread.sleep(forTimeInterval: 0.02) }
            }
            h.write(Data("INFO last line without newline".utf8))
            h.closeFile()
            writer.done = true
            finished.signal()
        }
        var ingests = 0
        repeat {
            let r = try CLI.run(["ingest", "r", "--runs", t.runs])
            #expect(r.status == 0, "\(r.stderr)")
            ingests += 1
        } while !writer.done && ingests < 50
        finished.wait()
        let final = try CLI.run(["ingest", "r", "--runs", t.runs])
        #expect(final.status == 0, "\(final.stderr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let counts = try t.counts("r")
        #expect(counts["lines"] == lineCount(bytes), "\(counts)")
        #expect(counts["lines"] == 1 + 400 * 251 + 1)
        #expect(counts["pending_files"] == 0)
        // Numbers are masked in templates, so search the word and check every partial line's number.
        let found = try t.search("r", ["partial"], limit: 1000)
        let numbers = found.text.split(separator: "\n").compactMap { Int($0.split(separator: ":")[1]) }
        #expect(numbers == (1...400).map { 1 + $0 * 251 }, "\(numbers.prefix(5)) ... \(numbers.suffix(5))")
        let last = try t.search("r", ["last", "line", "without", "newline"])
        #expect(last.text.contains("logs/rank0.log:\(lineCount(bytes)):"), "\(last.text)")
    }

    @Test func truncatedDeletedAndReplacedFilesBetweenIngests() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "logs/a.log", "INFO alpha one\nINFO alpha two\n")
        try t.write("r", "logs/b.log", "INFO bravo one\nINFO bravo two\nINFO bravo three\n")
        let original = "INFO charlie old first\nERROR charlie old failure\n"
        try t.write("r", "logs/c.log", original)
        let stamp: [FileAttributeKey: Any] = [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)]
        try FileManager.default.setAttributes(stamp, ofItemAtPath: t.path("r", "logs/c.log"))
        let first = try CLI.run(["ingest", "r", "--runs", t.runs])
        #expect(first.status == 0, "\(first.stderr)")

        try FileHandle(forWritingAtPath: t.path("r", "logs/a.log"))!.truncate(atOffset: 0)
        try FileManager.default.removeItem(atPath: t.path("r", "logs/b.log"))
        let replacement = "INFO delta new first!!\nERROR delta new failure!!\n"
        #expect(replacement.utf8.count == original.utf8.count)
        try t.write("r", "logs/c.log", replacement)
        // Same size and, as `cp -p` or `rsync -t` leave it, the same mtime: only the head differs.
        try FileManager.default.setAttributes(stamp, ofItemAtPath: t.path("r", "logs/c.log"))

        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["files"] as? Int == 2)
        #expect(inputs["lines"] as? Int == 2)
        #expect(try t.search("r", ["bravo"]).text.isEmpty)
        #expect(try t.search("r", ["alpha"]).text.isEmpty)
        #expect(try t.search("r", ["charlie"]).text.isEmpty)
        #expect(try t.search("r", ["delta", "failure"]).text.contains("logs/c.log:2:"))
        let counts = try t.counts("r")
        #expect(counts["files"] == 2, "\(counts)")
        #expect(counts["pending_files"] == 0, "\(counts)")
    }

    /// Regression: two processes on one fresh index both created the schema ("table runs already
    /// exists") or both inserted the same file rows (UNIQUE constraint), exiting 74.
    @Test func concurrentProcessesOnOneIndexTakeTurns() throws {
        let t = try BadRuns()
        defer { t.remove() }
        for rank in 0..<2 {
            var text = ""
            for i in 0..<30_000 { text += "[rank\(rank)]: INFO step \(i) worker \(i % 13) took \(i % 977) ms\n" }
            try t.write("r", "logs/rank\(rank).log", text)
        }
        let commands = [["ingest", "r", "--runs", t.runs], ["ingest", "r", "--runs", t.runs],
                        ["r", "--runs", t.runs, "--format", "json"]]
        let processes = try commands.map { args -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        for (p, args) in zip(processes, commands) {
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(args)")
        }
        let counts = try t.counts("r")
        #expect(counts["files"] == 2 && counts["lines"] == 60_000 && counts["template_occurrences"] == 60_000, "\(counts)")
        #expect(counts["pending_files"] == 0)
    }

    /// Regression: a UTF-8 byte-order mark made JSON configs and eval results "malformed at
    /// column 1"; a UTF-16 log was skipped as "binary file" with no hint of what it was.
    @Test func byteOrderMarksAreHandled() throws {
        let t = try BadRuns()
        defer { t.remove() }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try t.write("r", "training_args.json", bom + Array("{\n  \"learning_rate\": 0.0003,\n  \"per_device_train_batch_size\": 8\n}\n".utf8))
        try t.write("r", "eval/results_2026-11-03T08-00-00.json",
                    bom + Array("{\"results\": {\"hellaswag\": {\"alias\": \"hellaswag\", \"acc,none\": 0.57}}}\n".utf8))
        var utf16: [UInt8] = [0xFF, 0xFE]
        for u in "INFO hello\r\n\(oomLine)\r\n".utf16 { utf16 += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        try t.write("r", "logs/windows.log", utf16)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(strings(inputs["problems"]).isEmpty, "\(inputs)")
        #expect(skippedPaths(inputs)["logs/windows.log"]?.contains("UTF-16") == true, "\(inputs)")
        let counts = try t.counts("r")
        #expect(counts["config_entries"] ?? 0 >= 2, "\(counts)")
        #expect(counts["eval_scores"] == 1, "\(counts)")
    }

    /// A rewritten file is re-read into a pending row; a kill part-way must leave the old rows
    /// in force and the next ingest must replace them exactly once.
    @Test func aKillDuringARewriteLeavesTheOldRowsThenReplacesThem() throws {
        let t = try BadRuns()
        defer { t.remove() }
        func log(_ word: String, _ n: Int) -> String {
            var text = ""
            for i in 0..<n { text += "[rank0]: INFO \(word) step \(i) worker \(i % 13) took \(i % 977) ms\n" }
            return text
        }
        try t.write("r", "logs/rank0.log", log("oldword", 1000))
        #expect(try CLI.run(["ingest", "r", "--runs", t.runs]).status == 0)
        try t.write("r", "logs/rank0.log", log("newword", 150_000))
        var sawPartial = false
        for delay in [0.6, 0.3, 1.2, 0.15, 2.0] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLI.binary)
            p.arguments = ["ingest", "r", "--runs", t.runs]
            p.environment = ProcessInfo.processInfo.environment.merging(["DIAGNOSE_COMMIT_EVERY": "5000"]) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            let killed = p.isRunning
            if killed { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            if killed {
                // Until the rewrite is complete, the index still answers with the old file.
                let c = try t.counts("r")
                #expect(c["lines"] == 1000 || c["lines"] == 150_000, "\(c)")
                if c["lines"] == 1000 { sawPartial = true; break }
            }
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: t.path("r", "logs/rank0.log"))
        }
        let done = try CLI.run(["ingest", "r", "--runs", t.runs])
        #expect(done.status == 0, "\(done.stderr)")
        let c = try t.counts("r")
        #expect(c["lines"] == 150_000 && c["template_occurrences"] == 150_000 && c["pending_files"] == 0, "\(c)")
        #expect(try t.search("r", ["oldword"]).text.isEmpty)
        #expect(!(try t.search("r", ["newword"], limit: 1).text.isEmpty))
        _ = sawPartial
    }

    @Test func crlfAndProgressBarLineNumbersMatchGrep() throws {
        let t = try BadRuns()
        defer { t.remove() }
        var bytes: [UInt8] = Array("INFO starting\r\nINFO config loaded\r\n".utf8)
        bytes += Array("  0%|          | 0/100 [00:00<?, ?it/s]\r 50%|#####     | 50/100 [00:05<00:05, 9.8it/s]\r100%|##########| 100/100 [00:10<00:00, 9.9it/s]\n".utf8)
        bytes += Array("\u{1b}[31mERROR\u{1b}[0m RuntimeError: NCCL communicator was aborted on rank 3\r\n".utf8)
        bytes += Array("Epoch 1:  10%|#         | 1/10\rEpoch 1:  20%|##        | 2/10\r".utf8)
        bytes += Array(("\n" + oomLine + "\r\n").utf8)
        try t.write("r", "logs/rank0.log", bytes)
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["lines"] as? Int == lineCount(bytes))
        let nccl = try #require(grepLine(bytes, "NCCL communicator"))
        let oom = try #require(grepLine(bytes, "CUDA out of memory"))
        #expect(nccl == 4 && oom == 6)
        #expect(try t.search("r", ["NCCL", "aborted"]).text.contains("logs/rank0.log:\(nccl):"))
        #expect(try t.search("r", ["CUDA", "memory"]).text.contains("logs/rank0.log:\(oom):"))
        let report = try CLI.run(["r", "--runs", t.runs, "--format", "json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: report.stdout) as? [String: Any])
        for h in obj["hypotheses"] as? [[String: Any]] ?? [] {
            for e in h["evidence"] as? [[String: Any]] ?? [] where e["source"] as? String == "logs/rank0.log" {
                guard let line = e["line"] as? Int, let excerpt = e["excerpt"] as? String else { continue }
                if excerpt.contains("CUDA out of memory") { #expect(line == oom) }
                if excerpt.contains("NCCL communicator") { #expect(line == nccl) }
            }
        }
    }

    @Test func emptyRunsAndUnrecognisedFilesStillGetAReport() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.folder("empty")
        try t.write("blank", "logs/rank0.log", "")
        try t.write("blank", "notes/empty.txt", "")
        try t.write("odd", "data/shard-0001.arrow", [0x41, 0x52, 0x52, 0x4F, 0x57, 0x31, 0, 0] + junk(2000, seed: 11))
        try t.write("odd", "weights/model.safetensors", [0x10, 0, 0, 0, 0, 0, 0, 0] + Array("{\"__metadata__\":{}}".utf8))
        try t.write("odd", "tokenizer.model", junk(4000, seed: 13))

        let (e, eo, ei) = try t.report("empty")
        #expect(e.status == 0, "\(e.stderr)")
        #expect(eo["status"] as? String == "no-incident")
        #expect(ei["files"] as? Int == 0)

        let (b, bo, bi) = try t.report("blank")
        #expect(b.status == 0, "\(b.stderr)")
        #expect(bo["status"] as? String == "no-incident")
        #expect(bi["files"] as? Int == 2)
        #expect(bi["lines"] as? Int == 0)

        let (o, oo, oi) = try t.report("odd")
        #expect(o.status == 0, "\(o.stderr)")
        #expect(oo["status"] as? String == "no-incident")
        #expect(oi["files"] as? Int == 3)
        let listed = Set(skippedPaths(oi).keys).union(strings(oi["unrecognized_files"]))
        #expect(listed == ["data/shard-0001.arrow", "weights/model.safetensors", "tokenizer.model"], "\(oi)")
    }

    @Test func symlinkLoopsDoNotHangAndLinkedLogsAreRead() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "logs/rank0.log", "INFO hello\n")
        try t.write("outside", "real/rank1.log", "INFO one\n" + oomLine + "\n")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: t.path("r", "logs/loop"), withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: t.path("r", "logs/self"), withDestinationPath: ".")
        try fm.createSymbolicLink(atPath: t.path("r", "a"), withDestinationPath: "b")
        try fm.createSymbolicLink(atPath: t.path("r", "b"), withDestinationPath: "a")
        try fm.createSymbolicLink(atPath: t.path("r", "logs/rank1.log"), withDestinationPath: t.path("outside", "real/rank1.log"))
        try fm.createSymbolicLink(atPath: t.path("r", "logs/dangling.log"), withDestinationPath: "nowhere.log")
        // Not loops by inode, but walks of the whole machine or reads that never end.
        try fm.createSymbolicLink(atPath: t.path("r", "logs/everything"), withDestinationPath: "/")
        try fm.createSymbolicLink(atPath: t.path("r", "logs/runs-root"), withDestinationPath: t.runs)
        try fm.createSymbolicLink(atPath: t.path("r", "logs/proc"), withDestinationPath: "/proc")
        try fm.createSymbolicLink(atPath: t.path("r", "logs/kmsg.log"), withDestinationPath: "/proc/kmsg")
        try fm.createSymbolicLink(atPath: t.path("r", "logs/zero.log"), withDestinationPath: "/dev/zero")
        var deep = "deep"
        for i in 0..<40 { deep += "/d\(i)" }
        try t.write("r", deep + "/rank9.log", "INFO buried\n")
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(inputs["lines"] as? Int == 3, "\(inputs)")
        let skipped = skippedPaths(inputs)
        for p in ["logs/everything", "logs/runs-root", "logs/proc", "logs/kmsg.log", "logs/zero.log"] {
            #expect(skipped[p] != nil, "\(p) not listed: \(skipped)")
        }
        #expect(skipped.keys.contains { $0.hasPrefix("deep/") && skipped[$0]!.contains("deeper") }, "\(skipped)")
        let found = try t.search("r", ["CUDA", "memory"])
        #expect(found.text.contains("logs/rank1.log:2:"), "\(found.text)")
        let listed = Set(skippedPaths(inputs).keys).union(strings(inputs["unrecognized_files"]))
        #expect(listed.contains("logs/dangling.log"), "\(inputs)")
    }

    @Test func badRunIDsAndMissingRootsExitWithContractCodes() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.folder("ok")
        for id in ["..", "a/b", "", "rün", ".", "x y"] {
            let r = try CLI.run([id, "--runs", t.runs, "--format", "json"])
            #expect(r.status == 64, "'\(id)': \(r.status) \(r.stderr)")
            #expect(r.stdout.isEmpty, "'\(id)'")
            #expect(r.stderr.split(separator: "\n").count == 1, "'\(id)'")
        }
        try "not a folder\n".write(toFile: t.root + "/file-root", atomically: true, encoding: .utf8)
        var cases: [(String, String)] = [("missing", t.runs), ("ok", t.root + "/nowhere"), ("ok", t.root + "/file-root")]
        if getuid() != 0 {
            try FileManager.default.createDirectory(atPath: t.root + "/locked/ok", withIntermediateDirectories: true)
            chmod(t.root + "/locked", 0)
            cases.append(("ok", t.root + "/locked"))
        }
        defer { chmod(t.root + "/locked", 0o755) }
        for (id, root) in cases {
            for args in [[id, "--runs", root, "--format", "json"], ["ingest", id, "--runs", root]] {
                let r = try CLI.run(args)
                #expect(r.status == 66, "\(args): \(r.status) \(r.stderr)")
                #expect(r.stdout.isEmpty, "\(args)")
                let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
                #expect(lines.count == 1, "\(args): \(r.stderr)")
            }
        }
    }

    @Test func aMissingBaselineIsListedNotFatal() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "run.yaml", "baseline: ghost-run-0\nowner: team\n")
        try t.write("r", "logs/rank0.log", "INFO hello\n")
        let (r, obj, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(obj["schema"] as? String == "diagnose.report/v1")
        #expect(strings(inputs["problems"]).contains { $0.contains("ghost-run-0") }, "\(inputs)")
        // A manifest naming a path, not a run id, is refused as a baseline but not as a run.
        try t.write("s", "run.yaml", "baseline: ../r\n")
        try t.write("s", "logs/rank0.log", "INFO hello\n")
        let (r2, _, inputs2) = try t.report("s")
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(strings(inputs2["problems"]).contains { $0.contains("../r") }, "\(inputs2)")
    }

    @Test func aMalformedManifestIsListedNotFatal() throws {
        let t = try BadRuns()
        defer { t.remove() }
        try t.write("r", "run.yaml", "baseline: [unclosed\nowner: team\n")
        try t.write("r", "logs/rank0.log", "INFO hello\n")
        let (r, _, inputs) = try t.report("r")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(strings(inputs["problems"]).contains { $0.hasPrefix("run.yaml") }, "\(inputs)")
    }
}

/// The reader's frames for lines longer than its cap, against a plain split of the bytes.
@Suite struct LongFrameReaderTests {
    struct Frame: Equatable { var number: Int; var offset: Int64; var text: String; var frame: Int }

    /// `\n` ends a line, `\r` a frame; empty frames dropped unless the line is empty.
    static func reference(_ bytes: [UInt8]) -> [Frame] {
        var out: [Frame] = []
        var lineStart = 0
        var number = 0
        var i = 0
        while lineStart < bytes.count {
            var e = lineStart
            while e < bytes.count && bytes[e] != 0x0A { e += 1 }
            number += 1
            var body = e
            if body > lineStart && bytes[body - 1] == 0x0D && e < bytes.count { body -= 1 }
            var fs = lineStart
            var frame = 0
            var any = false
            i = lineStart
            while i <= body {
                if i == body || bytes[i] == 0x0D {
                    if i > fs {
                        out.append(Frame(number: number, offset: Int64(fs), text: String(decoding: bytes[fs..<i], as: UTF8.self), frame: frame))
                        any = true
                    }
                    frame += 1
                    fs = i + 1
                }
                i += 1
            }
            if !any { out.append(Frame(number: number, offset: Int64(lineStart), text: "", frame: 0)) }
            lineStart = e + 1
        }
        return out
    }

    @Test(arguments: [(64, 16), (64, 64), (100, 7), (1 << 20, 1 << 20)])
    func framesOfLongCarriageReturnLinesAreAllDelivered(cap: Int, chunk: Int) throws {
        var bytes = Array("start\n".utf8)
        for i in 0..<300 { bytes += Array("frame \(i) of the bar\r".utf8) }
        bytes += Array("the error after the bar\r\nnext line\n\rtrailing frame\rlast".utf8)
        let path = NSTemporaryDirectory() + "frames-\(UUID().uuidString).log"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var got: [Frame] = []
        let stats = try LineReader(path: path, maxLineBytes: cap, chunkSize: chunk).forEach { v in
            got.append(Frame(number: v.number, offset: v.offset, text: v.string, frame: v.frame))
            #expect(!v.truncated)
        }
        #expect(got == Self.reference(bytes))
        #expect(stats.lines == 4)
        #expect(stats.truncatedLines == 0)
        #expect(stats.endsMidLine)
    }
}
