import DiagnoseCore
import DiagnoseIngest
import DiagnoseText
import Foundation
import Testing

/// Local throughput measurement, not a timed test: runs only with DIAGNOSE_BENCH=1, e.g.
/// `DIAGNOSE_BENCH=1 swift test -c release --filter IngestBenchmark`. Prints lines/s of
/// `TextLogParser` (all built-in rules, no template hook) over ~1M mixed training lines.
@Suite struct IngestBenchmark {
    static let lines = Int(ProcessInfo.processInfo.environment["DIAGNOSE_BENCH_LINES"] ?? "") ?? 1_000_000

    static func corpus(lines: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines * 150)
        var step = 0
        for i in 0..<lines {
            let s: String
            switch i % 10 {
            case 0:
                step += 1
                s = "{'loss': \(1.0 + Double(i % 97) / 100), 'grad_norm': \(0.5 + Double(i % 13) / 10), 'learning_rate': 9.774074342405685e-06, 'epoch': 0.53}"
            case 1:
                s = " [2024-04-06 02:59:36] iteration \(String(repeating: " ", count: 4))\(step)/  250000 | consumed samples:       124928 | elapsed time per iteration (ms): 5444.9 | throughput per GPU (TFLOP/s/GPU): 239.8 | learning rate: 8.600000E-06 | global batch size:   128 | lm loss: 1.825991E+00 | loss scale: 1.0 | grad norm: 1.426 | number of skipped iterations:   0 | number of nan iterations:   0 |"
            case 2:
                s = "[2022-03-11 02:06:58,985] [INFO] [logging.py:69:log_dist] [Rank 0] step=\(step), skipped=2, lr=[5e-05], mom=[[0.9, 0.999]]"
            case 3:
                s = "[2023-10-31 07:15:50,880] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 16384, reducing to 8192"
            case 4:
                s = "[rank3]:[W1206 18:44:12.715298746 Utils.hpp:110] Warning: Environment variable NCCL_ASYNC_ERROR_HANDLING is deprecated (function operator())"
            case 5:
                s = "2026-05-12T08:01:39.331095044Z [2023-10-31 07:15:50,880] [INFO] [engine.py:1234:forward] model forward pass completed in 123.4 ms for micro batch \(i)"
            case 6:
                s = "INFO:root:Processed batch \(i) of dataset shard 17 with 4096 tokens"
            case 7:
                s = "[titan] 2025-07-01 10:00:00,123 - root - INFO - \u{1B}[31mstep: \(step)  \u{1B}[32mloss: 10.12345  \u{1B}[33mgrad_norm:  1.2000  \u{1B}[36mmemory: 40.00GiB(42.00%)  \u{1B}[34mtps: 12,345  \u{1B}[36mtflops: 1,234.50  \u{1B}[35mmfu: 25.62%\u{1B}[39m"
            case 8:
                s = "iter \(step): loss 2.3456, time 123.45ms, mfu 35.12%"
            default:
                s = "[2024-05-08 08:47:31,877] [INFO] [checkpointing.py:529:forward] Activation Checkpointing Information: partition_activations False"
            }
            out.append(contentsOf: s.utf8)
            out.append(0x0A)
        }
        return out
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["DIAGNOSE_BENCH"] != nil))
    func textLogThroughput() throws {
        let bytes = IngestBenchmark.corpus(lines: IngestBenchmark.lines)
        let dir = NSTemporaryDirectory() + "diagnose-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/rank0.log"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let parser = TextLogParser()
        var best = Double.infinity
        var sink = RecordSink()
        for _ in 0..<3 {
            sink = RecordSink()
            let t0 = DispatchTime.now().uptimeNanoseconds
            try parser.parse(ParseInput(absolutePath: path, path: "rank0.log", rankHint: 0), into: sink)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, dt)
        }
        let n = Double(sink.linesRead)
        print("BENCH text-log: \(sink.linesRead) lines, \(bytes.count) bytes, best \(String(format: "%.3f", best)) s, \(Int(n / best)) lines/s, \(String(format: "%.1f", Double(bytes.count) / best / 1e6)) MB/s; metrics \(sink.metrics.count), events \(sink.events.count), generic \(sink.genericLines)")
        #expect(sink.linesRead == IngestBenchmark.lines)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
