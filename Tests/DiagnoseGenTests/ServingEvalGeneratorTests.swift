import Foundation
import Testing
@testable import diagnose_gen

@Suite struct ServingEvalFormatTests {
    @Test func prometheusFloatsFollowFloatToGoString() {
        #expect(ServingWriter.prom(12345.0) == "12345.0")
        #expect(ServingWriter.prom(0.0312) == "0.0312")
        #expect(ServingWriter.prom(1_476_730) == "1.47673e+06")
        #expect(ServingWriter.prom(1_795_281_701.162803) == "1.795281701162803e+09")
        #expect(ServingWriter.prom(.nan) == "NaN")
        #expect(ServingWriter.prom(-.infinity) == "-Inf")
        #expect(ServingWriter.prom(-1) == "-1.0")
    }

    @Test func jsonIsWrittenLikePythonJsonDumps() {
        let v: JV = .o([("a", .d(72.0)), ("b", .a([.s("x\ny"), .null])), ("c", .d(.nan)), ("d", .d(1e-05))])
        #expect(v.compact == "{\"a\": 72.0, \"b\": [\"x\\ny\", null], \"c\": NaN, \"d\": 1e-05}")
        #expect(JV.o([("k", .a([.i(1)]))]).pretty(2) == "{\n  \"k\": [\n    1\n  ]\n}")
    }

    @Test func clockRendersCalendarDates() {
        let c = Clock(epoch: Clock.epoch(y: 2026, mo: 11, d: 3, h: 8, mi: 1, s: 39) + 0.331)
        #expect(c.iso == "2026-11-03T08:01:39Z")
        #expect(c.vllm == "11-03 08:01:39")
        #expect(c.lmEvalLog == "2026-11-03:08:01:39,331")
        #expect(Clock(epoch: Clock.epoch(y: 2024, mo: 2, d: 29)).iso == "2024-02-29T00:00:00Z")
    }

    @Test func textDocCountsLinesAsGrepDoes() {
        var d = TextDoc()
        d.add("a")
        d.add("bar 0%\rbar 100%", mark: "bar")
        d.add("c", mark: "c")
        #expect(d.marks["bar"] == 2)
        #expect(d.marks["c"] == 3)
        #expect(lineNumber(of: "c", in: d.text) == 3)
    }
}

@Suite struct PrefixCacheSimulationTests {
    @Test func leastRecentlyUsedFreeBlockIsEvictedFirst() {
        let c = PagedKVCache(blockSize: 4, capacity: 3, cachingEnabled: true)
        let a = PagedKVCache.blockHashes([1, 2, 3, 4, 5, 6, 7, 8], blockSize: 4)
        let b = PagedKVCache.blockHashes([9, 9, 9, 9], blockSize: 4)
        #expect(c.reserve(2) == 0)
        _ = c.register(a[0], tick: 0); _ = c.register(a[1], tick: 0)
        c.release(a[0], tick: 1); c.release(a[1], tick: 2)
        #expect(c.reserve(1) == 0)
        _ = c.register(b[0], tick: 3)
        #expect(c.free == 0)
        #expect(c.reserve(1) == 1)
        #expect(c.matchLength(a) == 0)
        #expect(c.matchLength(b) == 1)
    }

    @Test func chainedHashesDependOnTheWholePrefix() {
        let x = PagedKVCache.blockHashes([1, 2, 3, 4, 5, 6, 7, 8], blockSize: 4)
        let y = PagedKVCache.blockHashes([1, 2, 3, 0, 5, 6, 7, 8], blockSize: 4)
        #expect(x[1] != y[1])
        #expect(PagedKVCache.blockHashes([1, 2, 3], blockSize: 4).isEmpty)
    }

    private func hitRate(_ mode: PromptMode, caching: Bool = true) -> Double {
        var rng = SeededRNG(seed: 3)
        let m = PromptMaterial(product: "Test", paragraphs: 4, toolCount: 6, rng: &rng)
        var k = ServeKnobs(); k.prompt = mode; k.caching = caching
        let render = m.renderer(k, start: Clock(epoch: 1_790_000_000), memo: TokenMemo())
        var eng = EngineSpec(); eng.caching = caching; eng.capacityBlocks = 4000
        var w = WorkloadSpec(); w.duration = 240
        let sim = ServingSim(engine: eng, workload: w, seed: 9) { rid, t, s, r in
            let x = render(rid, t, s, &r)
            return (x.tokens, "")
        }
        sim.run()
        return sim.overallHitRate
    }

    @Test func stablePromptsHitAndDynamicPrefixesMiss() {
        #expect(hitRate(.stable) > 0.8)
        #expect(hitRate(.timestampHeader) < 0.05)
        #expect(hitRate(.stable, caching: false) == 0)
        let shuffled = hitRate(.shuffledTools)
        #expect(shuffled > 0.05 && shuffled < hitRate(.stable) - 0.2)
    }

    @Test func providerCacheNeedsTheMinimumLength() {
        func run(_ minimum: Int) -> Double {
            let sim = ProviderSim(kind: .anthropic, minCacheable: minimum, seed: 1)
            var w = WorkloadSpec(); w.duration = 300; w.sessionRate = { _ in 0.1 }
            let prefix = (0..<1500).map { UInt32($0) }
            sim.run(workload: w) { _, _, _, _ in (prefix, prefix.count, []) }
            return sim.hitRate
        }
        #expect(run(1024) > 0.5)
        #expect(run(2048) < 0.05)
    }
}

@Suite struct EvalSimulationTests {
    @Test func filtersExtractAsLmEvalDoes() {
        let raw = "She has 48 + 24 = 72 apples.\n#### 72\n\nQuestion: Tom has 3 cards.\nAnswer: #### 5"
        #expect(EvalSim.firstMatch("#### (\\-?[0-9\\.\\,]+)", raw, last: false) == "72")
        #expect(EvalSim.firstMatch("(-?[$0-9.,]{2,})|(-?[0-9]+)", raw, last: true) == "5")
        let ignore = [",", "\\$", "(?s).*#### ", "\\.$"].compactMap { try? NSRegularExpression(pattern: $0) }
        #expect(EvalSim.normalise("Some work\n#### 1,234", ignore) == "1234")
    }

    @Test func stopSequencesAndLengthLimitShapeTheOutput() {
        let docs = (0..<12).map { MathBank.doc($0, salt: 1) }
        var s = EvalSetup(checkpoint: "/ckpt/x/checkpoint-6000", step: 6000)
        let ok = EvalSim.generate(s, ceiling: 0.6, docs: docs, salt: "t")
        #expect(ok.allSatisfy { !$0.raw.contains("Question:") })
        s.until = ["<|im_end|>"]
        let runOn = EvalSim.generate(s, ceiling: 0.6, docs: docs, salt: "t")
        #expect(runOn.allSatisfy { $0.raw.contains("Question:") })
        #expect(runOn.filter(\.flexOK).count < ok.filter(\.flexOK).count)
        s.until = ["Question:"]; s.maxGenToks = 8
        #expect(EvalSim.generate(s, ceiling: 0.6, docs: docs, salt: "t").allSatisfy { $0.truncated && $0.strict == "[invalid]" })
    }

    @Test func sameCheckpointGivesIdenticalGenerations() {
        let docs = (0..<8).map { MathBank.doc($0, salt: 1) }
        let s = EvalSetup(checkpoint: "/ckpt/x/checkpoint-2000", step: 2000)
        #expect(EvalSim.generate(s, ceiling: 0.6, docs: docs, salt: "g").map(\.raw) == EvalSim.generate(s, ceiling: 0.6, docs: docs, salt: "g").map(\.raw))
    }
}

@Suite struct ServingEvalCorpusTests {
    static let cases = ServingEvalCases.make(seed: 42)

    @Test func everyCauseHasDevAndHeldoutCases() {
        let causes = ["prompt-prefix-unstable", "tool-schema-order", "prefix-caching-disabled", "cache-capacity-eviction", "cache-prefix-too-short",
                      "cache-routing-affinity", "chat-template-mismatch", "stop-sequence-misconfig", "max-tokens-truncation", "eval-config-change",
                      "answer-extraction-failure", "wrong-checkpoint"]
        for c in causes {
            let xs = Self.cases.filter { $0.cause == c }
            #expect(xs.filter { $0.split == .dev }.count >= 2, "\(c)")
            #expect(xs.filter { $0.split == .heldout }.count >= 1, "\(c)")
        }
        let healthy = Self.cases.filter { $0.cause == "healthy" }
        #expect(healthy.count >= 4 && healthy.filter { $0.split == .dev }.count >= 2 && healthy.contains { $0.split == .heldout })
    }

    @Test func citedLinesExistAndAreNotBlank() throws {
        for c in Self.cases {
            let run = try #require(c.truthYAML.split(separator: "\n").first { $0.hasPrefix("run_id: ") }).dropFirst(8)
            let re = try NSRegularExpression(pattern: "\\{file: ([^,]+), line: (\\d+),")
            let t = c.truthYAML
            let ms = re.matches(in: t, range: NSRange(t.startIndex..., in: t))
            #expect(c.cause == "healthy" ? ms.isEmpty : !ms.isEmpty)
            for m in ms {
                let file = String(t[Range(m.range(at: 1), in: t)!]), line = Int(t[Range(m.range(at: 2), in: t)!])!
                let f = try #require(c.files.first { $0.path == "runs/\(run)/\(file)" }, "\(file)")
                let lines = f.content.split(separator: "\n", omittingEmptySubsequences: false)
                let count = f.content.hasSuffix("\n") ? lines.count - 1 : lines.count
                #expect(line >= 1 && line <= count)
                #expect(!lines[line - 1].trimmingCharacters(in: .whitespaces).isEmpty, "\(file):\(line)")
            }
        }
    }

    @Test func pathsAndRunIDsDoNotRevealTheCause() {
        let words = ["healthy", "incident", "evict", "mismatch", "truncat", "unstable", "disabled", "affinity", "wrong", "broken", "bad", "stop-seq", "extraction"]
        for c in Self.cases {
            for f in c.files {
                let p = f.path.lowercased()
                #expect(!words.contains { p.contains($0) }, "\(p)")
            }
        }
    }

    @Test func everyIncidentRunNamesItsBaseline() {
        for c in Self.cases {
            let run = c.truthYAML.split(separator: "\n").first { $0.hasPrefix("run_id: ") }!.dropFirst(8)
            let manifest = c.files.first { $0.path == "runs/\(run)/run.yaml" }
            #expect(manifest?.content.hasPrefix("baseline: ") == true, "\(run)")
        }
    }
}

@Suite struct DeterminismTests {
    @Test func evalCasesAreReproducibleFromTheSeed() {
        let a = EvalCases.make(seed: 7), b = EvalCases.make(seed: 7)
        #expect(a.map(\.truthYAML) == b.map(\.truthYAML))
        #expect(a.flatMap { $0.files.map(\.content) } == b.flatMap { $0.files.map(\.content) })
    }
}
