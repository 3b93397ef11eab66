import Testing
import DiagnoseCore
import DiagnoseTemplates
@testable import DiagnoseAnalysis

/// Mines `lines` of one file the way ingest does and returns its template stats.
private func stats(_ lines: [String], source: String = "logs/rank0.log") -> [TemplateStat] {
    let miner = TemplateMiner()
    var first: [Int32: Int] = [:]
    for (i, line) in lines.enumerated() {
        let id = miner.add(line)
        if first[id] == nil { first[id] = i + 1 }
    }
    return miner.templates.map {
        TemplateStat(id: Int64($0.id), text: $0.text, count: $0.count, source: source,
                     firstLine: first[$0.id] ?? 0, firstOffset: 0)
    }
}

/// A healthy HF + DeepSpeed + NCCL training log with numbers drawn from `seed`.
private func healthyLog(seed: Int, steps: Int = 60) -> [String] {
    var lines = [
        "gpu-node-0\(seed % 8):\(2211 + seed):\(2290 + seed) [0] NCCL INFO Bootstrap : Using eth0:10.0.\(seed).5<0>",
        "gpu-node-0\(seed % 8):\(2211 + seed):\(2290 + seed) [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB eth0:10.0.\(seed).5<0>",
        "gpu-node-0\(seed % 8):\(2211 + seed):\(2290 + seed) [0] NCCL INFO comm 0x55d\(seed)a0 rank 0 nranks 8 cudaDev 0 busId 18000 - Init COMPLETE",
        "Loading checkpoint shards: 100%|██████████| 2/2 [00:0\(seed % 9)<00:00,  1.8\(seed % 9)s/it]",
        "[2026-05-12 08:0\(seed % 9):39,331] [INFO] [config.py:1000:print] bf16_enabled ................. True",
    ]
    for step in 1...steps {
        let loss = 2.5 - Double(step) * 0.01 + Double(seed % 7) * 0.001
        lines.append("{'loss': \(loss), 'grad_norm': \(1.0 + Double(step % 5) * 0.1), 'learning_rate': \(Double(step) * 1e-6), 'epoch': \(Double(step) / 100)}")
        if step % 20 == 0 {
            lines.append("Saving model checkpoint to /out/run-\(seed)/checkpoint-\(step)")
            lines.append("[2026-05-12 09:\(10 + step % 40):01,\(100 + seed)] [INFO] [logging.py:96:log_dist] [Rank 0] step=\(step), skipped=0, lr=[\(Double(step) * 1e-6)], mom=[[0.9, 0.999]]")
        }
    }
    lines.append("{'train_runtime': \(231.3 + Double(seed)), 'train_samples_per_second': 8.647, 'train_steps_per_second': 4.323, 'train_loss': 0.73, 'epoch': 1.0}")
    return lines
}

@Suite struct TemplateNoveltyTests {
    @Test func healthyPairYieldsNothing() {
        let baseline = stats(healthyLog(seed: 1))
        let run = stats(healthyLog(seed: 4, steps: 80))
        let symptoms = TemplateNovelty.symptoms(run: run, baseline: baseline, runEvents: [])
        #expect(symptoms.isEmpty, "\(symptoms.map(\.summary))")
    }

    @Test func incidentSurfacesNewErrorTemplateFirst() {
        let baseline = stats(healthyLog(seed: 1))
        var lines = healthyLog(seed: 2, steps: 40)
        lines += [
            "[2026-05-12 09:31:02,114] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 16384, reducing to 8192",
            "{'loss': 0.0, 'grad_norm': nan, 'learning_rate': 4.1e-05, 'epoch': 0.41}",
            "[rank0]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.",
            "Loading extra shard index 3",
        ]
        let run = stats(lines)
        let timeoutLine = lines.firstIndex { $0.contains("Watchdog caught") }! + 1
        let events = [Sourced(source: "logs/rank0.log",
                              value: LogEvent(line: timeoutLine, byteOffset: 0, step: 41, rank: 0, severity: .error,
                                              kind: .ncclTimeout, message: "Watchdog caught collective operation timeout"))]
        let symptoms = TemplateNovelty.symptoms(run: run, baseline: baseline, runEvents: events)
        #expect(!symptoms.isEmpty)
        let top = symptoms[0]
        #expect(top.kind == .templateNovelty)
        #expect(top.evidence.first?.excerpt.contains("Watchdog caught collective operation timeout") == true)
        #expect(top.evidence.first?.kind == .template)
        #expect(top.evidence.first?.line == timeoutLine)
        #expect(top.evidence.first?.source == "logs/rank0.log")
        #expect(top.eventKind == .ncclTimeout)
        #expect(top.onsetStep == 41)
        #expect(top.magnitude >= 3)
        let texts = symptoms.flatMap { $0.evidence.map(\.excerpt) }
        #expect(texts.contains { $0.contains("OVERFLOW!") })
        #expect(!texts.contains { $0.contains("Loading extra shard index") })
        #expect(zip(symptoms, symptoms.dropFirst()).allSatisfy { $0.magnitude >= $1.magnitude })
    }

    @Test func parameterVariationWithWarningWordIsIgnored() {
        let baseline = stats(["Token indices sequence length is longer than the specified maximum (1031 > 1024). Running this sequence through the model will result in indexing errors"])
        let run = stats(["warning: retrying shard fetch from host-a after 3 attempts",
                         "warning: retrying shard fetch from host-b after 3 attempts"])
        let plainBaseline = stats(["warning: retrying shard fetch from host-a after 2 attempts"])
        #expect(TemplateNovelty.symptoms(run: run, baseline: plainBaseline, runEvents: []).isEmpty)
        #expect(TemplateNovelty.symptoms(run: run, baseline: baseline, runEvents: []).count == 1)
    }

    @Test func noBaselineMeansNoNovelty() {
        #expect(TemplateNovelty.symptoms(run: stats(["RuntimeError: CUDA out of memory."]), baseline: [], runEvents: []).isEmpty)
    }

    @Test func severityWords() {
        #expect(SeverityWords.score("RuntimeError: CUDA out of memory. Tried to allocate <*> MiB") >= 3)
        #expect(SeverityWords.score("NCCL watchdog thread terminated with exception") >= 2)
        #expect(SeverityWords.score("slurmstepd: error: *** JOB <*> ON <*> CANCELLED AT <*> DUE TO TIME LIMIT ***") >= 2)
        #expect(SeverityWords.score("{'loss': <*>, 'grad_norm': nan}") == 2)
        #expect(SeverityWords.score("warning: deprecated argument") >= 1)
        #expect(SeverityWords.score("NCCL INFO Init COMPLETE") == 0)
        #expect(SeverityWords.score("Loading information about <*>") == 0)
    }

    @Test func duplicatesAcrossFilesAreMergedAtTheirEarliestLine() {
        let baseline = stats(["training started"])
        let a = stats(["ok", "RuntimeError: CUDA error: an illegal memory access was encountered"], source: "logs/rank1.log")
        let b = stats(["RuntimeError: CUDA error: an illegal memory access was encountered"], source: "logs/rank0.log")
        let symptoms = TemplateNovelty.symptoms(run: a + b, baseline: baseline, runEvents: [])
        #expect(symptoms.count == 1)
        #expect(symptoms[0].evidence[0].source == "logs/rank0.log")
        #expect(symptoms[0].after == 2)
    }
}

@Suite struct TemplateNoveltyDetectorTests {
    @Test func readsTemplatesFromObservations() {
        let baseline = RunObservations(runID: "base", root: "/runs/base", templates: stats(healthyLog(seed: 1)))
        let run = RunObservations(runID: "run", root: "/runs/run",
                                  templates: stats(healthyLog(seed: 3) + ["torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.26 GiB"]))
        let detector = TemplateNoveltyDetector()
        #expect(detector.id == "template-novelty")
        #expect(detector.detect(AnalysisInput(run: run)).isEmpty)
        let symptoms = detector.detect(AnalysisInput(run: run, baseline: baseline))
        #expect(symptoms.count == 1)
        #expect(symptoms.first?.evidence.first?.excerpt.contains("CUDA out of memory") == true)
    }
}
