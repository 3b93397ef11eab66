import Foundation
import Testing
import DiagnoseCore
import DiagnoseText
@testable import DiagnoseIngest

@Suite struct ServingCacheTests {
    @Test func openAICachedTokensArePartOfPrompt() throws {
        let u = try JSONParser.parse(#"{"prompt_tokens": 2000, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 1500}}"#)
        let usage = try #require(RequestLogParser.usage(u))
        #expect(usage.prompt == 2000)
        #expect(usage.cached == 1500)
        #expect(usage.hitRate == 0.75)
    }

    @Test func openAIResponsesAPIUsesInputTokenDetails() throws {
        let u = try JSONParser.parse(#"{"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 250}, "output_tokens": 3}"#)
        #expect(RequestLogParser.usage(u)?.hitRate == 0.25)
    }

    @Test func anthropicInputTokensExcludeCacheFields() throws {
        let u = try JSONParser.parse(#"{"input_tokens": 50, "output_tokens": 9, "cache_creation_input_tokens": 150, "cache_read_input_tokens": 800}"#)
        let usage = try #require(RequestLogParser.usage(u))
        #expect(usage.prompt == 1000)
        #expect(usage.cached == 800)
        #expect(usage.hitRate == 0.8)
    }

    @Test func nullOrAbsentCacheFieldsCountAsZero() throws {
        let a = try JSONParser.parse(#"{"input_tokens": 50, "cache_read_input_tokens": null}"#)
        #expect(RequestLogParser.usage(a)?.hitRate == 0)
        let o = try JSONParser.parse(#"{"prompt_tokens": 10, "prompt_tokens_details": null}"#)
        #expect(RequestLogParser.usage(o)?.hitRate == 0)
    }

    @Test func requestLogKeepsTimeAndReplicaAndReportsBadLines() throws {
        let content = """
        {"timestamp": "2026-11-03T08:00:00Z", "replica": "r1", "response": {"model": "m", "usage": {"prompt_tokens": 100, "prompt_tokens_details": {"cached_tokens": 40}}}}
        {"timestamp": "2026-11-03T08:00:01Z", "replica": "r2", "response": {"model": "m", "usage": {"prompt_tokens": 100
        """
        let sink = try ServingTestSupport.parse(RequestLogParser(), path: "requests.jsonl", content: content)
        let rate = try #require(sink.metrics.first { $0.name == .cacheHitRate })
        #expect(rate.value == 0.4)
        #expect(rate.label == "r1")
        #expect(rate.time == Timestamps.parse("2026-11-03T08:00:00Z"))
        #expect(sink.problems.first?.line == 2)
    }

    @Test func toolOrderChangeIsLocatedOnItsLine() throws {
        let line = { (tools: String) in #"{"usage": {"input_tokens": 10, "cache_read_input_tokens": 90}, "request": {"tools": \#(tools)}}"# }
        let content = [line(#"[{"name": "a", "input_schema": {}}, {"name": "b", "input_schema": {}}]"#),
                       line(#"[{"name": "a", "input_schema": {}}, {"name": "b", "input_schema": {}}]"#),
                       line(#"[{"name": "b", "input_schema": {}}, {"name": "a", "input_schema": {}}]"#)].joined(separator: "\n")
        let sink = try ServingTestSupport.parse(RequestLogParser(), path: "r.jsonl", content: content)
        let orders = try #require(sink.configs.first { $0.entry.key == "tools.distinct_orders" })
        #expect(orders.entry.value == .number(2))
        #expect(orders.entry.line == 3)
        #expect(orders.kind == .toolSchema)
    }

    @Test func scrapeFolderComputesIntervalRatesAcrossFilesWithReset() throws {
        func scrape(_ q: Int, _ h: Int) -> String {
            """
            # TYPE vllm:prefix_cache_queries_total counter
            vllm:prefix_cache_queries_total{engine="0",model_name="m"} \(q).0
            # TYPE vllm:prefix_cache_hits_total counter
            vllm:prefix_cache_hits_total{engine="0",model_name="m"} \(h).0
            """
        }
        let files = [("replica-a/scrape-1.prom", scrape(1000, 800)), ("replica-a/scrape-2.prom", scrape(2000, 1700)),
                     ("replica-a/scrape-10.prom", scrape(500, 100)), ("replica-a/other-5.prom", scrape(9, 9))]
        let dir = try ServingTestSupport.write(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rates: [(Int?, Double)] = []
        for (path, _) in files.prefix(3) {
            let sink = RecordSink()
            try PrometheusParser().parse(ParseInput(absolutePath: dir.appendingPathComponent(path).path, path: path), into: sink)
            for m in sink.metrics where m.name == .cacheHitRate {
                rates.append((m.step, m.value))
                #expect(m.label == "replica-a")
            }
            #expect(sink.metrics.contains { $0.name == .cacheQueries })
        }
        // scrape-1 has no predecessor; scrape-2: (1700-800)/(2000-1000); scrape-10 restarted: 100/500.
        #expect(rates.count == 2)
        #expect(rates.first.map { $0.0 == 1 && ServingTestSupport.close($0.1, 0.9) } == true)
        #expect(rates.last.map { $0.0 == 2 && ServingTestSupport.close($0.1, 0.2) } == true)
    }

    @Test func ratesAreDeltaRatiosNotAveragesPerReplica() throws {
        let content = """
        sglang:prompt_tokens_total{instance="a"} 100 1000
        sglang:cached_tokens_total{cache_source="device",instance="a"} 10 1000
        sglang:cached_tokens_total{cache_source="host",instance="a"} 0 1000
        sglang:prompt_tokens_total{instance="b"} 100 1000
        sglang:cached_tokens_total{cache_source="device",instance="b"} 90 1000
        sglang:prompt_tokens_total{instance="a"} 1100 2000
        sglang:cached_tokens_total{cache_source="device",instance="a"} 510 2000
        sglang:cached_tokens_total{cache_source="host",instance="a"} 100 2000
        sglang:prompt_tokens_total{instance="b"} 200 2000
        sglang:cached_tokens_total{cache_source="device",instance="b"} 90 2000
        """
        let sink = try ServingTestSupport.parse(PrometheusParser(), path: "metrics.prom", content: content)
        let a = sink.metrics.filter { $0.name == .cacheHitRate && $0.label == "a" }
        let b = sink.metrics.filter { $0.name == .cacheHitRate && $0.label == "b" }
        #expect(a.count == 1 && b.count == 1)
        #expect(a.first.map { ServingTestSupport.close($0.value, 0.6) } == true)
        #expect(b.first?.value == 0)
        #expect(a.first?.time == 2)
    }

    @Test func v0HitRateGaugeOfMinusOneMeansCachingOff() throws {
        let content = """
        # HELP vllm:gpu_prefix_cache_hit_rate GPU prefix cache block hit rate.
        # TYPE vllm:gpu_prefix_cache_hit_rate gauge
        vllm:gpu_prefix_cache_hit_rate{model_name="m"} -1.0
        """
        let sink = try ServingTestSupport.parse(PrometheusParser(), path: "m/metrics.txt", content: content)
        #expect(sink.metrics.first { $0.name == .cacheHitRate }?.value == 0)
    }

    @Test func vllmYearlessStampsGiveOrderedTimes() throws {
        let content = """
        INFO 05-19 10:13:11 [loggers.py:271] Engine 000: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 1.0%, Prefix cache hit rate: 50.0%
        INFO 05-19 10:13:21 [loggers.py:271] Engine 000: Avg prompt throughput: 1.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 1.0%, Prefix cache hit rate: 10.0%
        """
        let sink = try ServingTestSupport.parse(TextLogParser(), path: "vllm.log", content: content)
        let rates = sink.metrics.filter { $0.name == .cacheHitRate }
        #expect(rates.count == 2)
        #expect(rates[1].time! - rates[0].time! == 10)
    }

    @Test func exampleCheckerReportsMismatches() throws {
        let sink = RecordSink()
        sink.emit(MetricPoint(name: .cacheHitRate, value: 0.5, line: 1))
        #expect(ServingTestSupport.failures(sink, [.metric(name: .cacheHitRate, value: 0.4)]).count == 1)
        #expect(ServingTestSupport.failures(sink, [.metric(name: .cacheHitRate, value: 0.5, line: 1)]).isEmpty)
    }

    @Test func sniffsDoNotStealOtherFormats() {
        let trainerState = FileHead(path: "out/checkpoint-100/trainer_state.json", text: """
        {
          "best_metric": null,
          "epoch": 0.5,
          "global_step": 100,
          "log_history": [{"epoch": 0.1, "learning_rate": 0.0001, "loss": 2.3, "step": 10}]
        }
        """)
        for p in ServingEvalFormats.parsers { #expect(p.sniff(trainerState) == 0, "\(p.id) sniffed trainer_state.json") }
        let metricsJSONL = FileHead(path: "metrics.jsonl", text: """
        {"_step": 10, "train/loss": 2.31}
        {"_step": 20, "train/loss": 2.20}
        """)
        for p in ServingEvalFormats.parsers { #expect(p.sniff(metricsJSONL) == 0, "\(p.id) sniffed metrics.jsonl") }
        let trainingLog = FileHead(path: "logs/rank0.log", text: """
        {'loss': 0.2051, 'grad_norm': nan, 'learning_rate': 9.774074342405685e-06, 'epoch': 0.53}
         iteration      122/  250000 | consumed samples:       124928 | elapsed time per iteration (ms): 86545.2 | learning rate: 9.150E-06 |
        """)
        for p in ServingEvalFormats.parsers { #expect(p.sniff(trainingLog) < 0.3, "\(p.id) sniffed a training log") }
    }
}
