import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseIngest

/// Throughput of the serving parsers on generated real-format files. Opt-in: `DIAGNOSE_BENCH=1`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DIAGNOSE_BENCH"] != nil))
struct ServingBenchTests {
    func measure(_ name: String, _ parser: any FormatParser, path: String, lines: Int, make: (Int) -> String) throws {
        var text = ""
        text.reserveCapacity(lines * 200)
        for i in 0..<lines { text += make(i); text += "\n" }
        let dir = try ServingTestSupport.write([(path, text)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let sink = RecordSink()
        let start = Date()
        try parser.parse(ParseInput(absolutePath: dir.appendingPathComponent(path).path, path: path), into: sink)
        let s = Date().timeIntervalSince(start)
        print("BENCH \(name): \(lines) lines in \(String(format: "%.3f", s)) s = \(Int(Double(lines) / s)) lines/s, \(sink.metrics.count) metrics, \(sink.evalSamples.count) samples")
    }

    @Test func throughput() throws {
        try measure("vllm log via TextLogParser", TextLogParser(), path: "vllm.log", lines: 200_000) { i in
            i % 4 == 0
                ? "(APIServer pid=3646) INFO 05-19 10:13:\(String(format: "%02d", i % 60)) [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1055.3 tokens/s, Running: 18 reqs, Waiting: 43 reqs, GPU KV cache usage: 95.9%, Prefix cache hit rate: 0.0%"
                : "(APIServer pid=3646) INFO 05-19 10:13:11 [logger.py:43] Received request chatcmpl-\(i): prompt: 'hello', params: SamplingParams(n=1)"
        }
        try measure("request log (OpenAI usage)", RequestLogParser(), path: "requests.jsonl", lines: 200_000) { i in
            #"{"id": "chatcmpl-\#(i)", "created": \#(1762160000 + i), "model": "m", "usage": {"prompt_tokens": 2000, "completion_tokens": 50, "total_tokens": 2050, "prompt_tokens_details": {"cached_tokens": 1536}}}"#
        }
        try measure("lm-eval samples", LMEvalSamplesParser(), path: "samples_gsm8k_2026-01-01T00-00-00.jsonl", lines: 50_000) { i in
            #"{"doc_id": \#(i), "doc": {"question": "Natalia sold clips to 48 of her friends in April"}, "target": "72", "arguments": {"gen_args_0": {"arg_0": "Question: ...\nAnswer:", "arg_1": {"until": ["Question:"], "max_gen_toks": 256}}}, "resps": [["Natalia sold 48/2 = 24 clips in May. 48 + 24 = 72.\n#### 72"]], "filtered_resps": ["72"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0}"#
        }
        try measure("prometheus timestamped scrapes", PrometheusParser(), path: "scrapes.prom", lines: 100_000) { i in
            let t = 1762160000000 + (i / 4) * 15000
            switch i % 4 {
            case 0: return "vllm:prefix_cache_queries_total{instance=\"r\(i % 8 < 4 ? 0 : 1)\"} \(i * 100).0 \(t)"
            case 1: return "vllm:prefix_cache_hits_total{instance=\"r\(i % 8 < 4 ? 0 : 1)\"} \(i * 60).0 \(t)"
            case 2: return "vllm:kv_cache_usage_perc{instance=\"r\(i % 8 < 4 ? 0 : 1)\"} 0.5 \(t)"
            default: return "vllm:num_requests_running{instance=\"r\(i % 8 < 4 ? 0 : 1)\"} 3.0 \(t)"
            }
        }
    }
}
