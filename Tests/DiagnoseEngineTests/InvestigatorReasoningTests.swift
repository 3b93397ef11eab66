import DiagnoseAnalysis
import DiagnoseCore
@testable import DiagnoseEngine
import Testing

/// Root versus cascade, time order, red herrings, healthy noise, grounding and the reasoner seam.
@Suite struct InvestigatorReasoningTests {
    @Test func oomOnOneRankThenTimeoutsElsewhereIsCudaOOM() {
        var f = Fixture()
        f.add(.failure, event: .oom, time: 1000, rank: 3, line: 900)
        for r in 0..<3 { f.add(.failure, event: .ncclTimeout, time: 1600, rank: r, line: 950) }
        f.add(.failure, event: .childFailed, time: 1610, rank: 0, line: 990)
        let inv = f.investigate()
        #expect(inv.status == .incident)
        #expect(inv.top?.cause == "cuda-oom")
        #expect(inv.top?.cause != "nccl-timeout")
        let nccl = inv.candidates.first { $0.cause == "nccl-timeout" }
        #expect(nccl.map { $0.score < inv.candidates[0].score } ?? true)
        #expect(nccl?.contributions.contains { $0.logOdds < 0 && $0.label.contains("earlier root failure") } ?? true)
    }

    @Test func cascadeFromRawEventsWithoutFailureSymptoms() {
        var f = Fixture()
        f.event(.oom, rank: 3, line: 900, time: 1000, message: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.")
        for r in 0..<3 {
            f.event(.ncclTimeout, rank: r, line: 950, time: 1600,
                    message: "[Rank \(r)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=81, OpType=ALLREDUCE)")
        }
        let inv = f.investigate()
        #expect(inv.top?.cause == "cuda-oom")
        #expect(inv.top?.evidence.contains { $0.source == "logs/rank3.log" && $0.line == 900 } == true)
    }

    @Test func timeoutsAloneAreAnNCCLIncident() {
        var f = Fixture()
        for r in 0..<4 { f.add(.failure, event: .ncclTimeout, time: 1600, rank: r, line: 950) }
        #expect(f.investigate().top?.cause == "nccl-timeout")
    }

    @Test func xidBeforeTheCrashIsHardware() {
        var f = Fixture()
        f.add(.failure, event: .xid, time: 990, rank: 2, source: "kern.log", line: 12)
        f.add(.failure, event: .traceback, time: 1000, rank: 2, line: 600)
        for r in [0, 1, 3] { f.add(.failure, event: .ncclTimeout, time: 1600, rank: r, line: 950) }
        let inv = f.investigate()
        #expect(inv.top?.cause == "gpu-hardware-fault")
        #expect(inv.top?.contributions.contains { $0.label.contains("crash after the GPU error") } == true)
    }

    @Test func timeoutBeforeTheCancellationIsNotPreemption() {
        var f = Fixture()
        for r in 0..<4 { f.add(.failure, event: .ncclTimeout, time: 1000, rank: r, line: 950) }
        f.add(.failure, event: .slurmCancel, time: 5000, rank: nil, line: 12000)
        let inv = f.investigate()
        let p = inv.candidates.first { $0.cause == "preemption" }
        #expect(p?.contributions.contains { $0.label.contains("hung before the cancellation") } == true)
    }

    @Test func aBareScancelIsNoConfidentPreemption() {
        var f = Fixture()
        f.add(.failure, event: .slurmCancel, time: 5000, rank: nil, line: 671,
              excerpt: "slurmstepd: error: *** JOB 4471902 ON gpu-d11 CANCELLED AT 2026-07-19T08:02:41 ***")
        let inv = f.investigate()
        #expect(inv.status == .noIncident)
        let p = inv.candidates.first { $0.cause == "preemption" }
        #expect(p?.contributions.contains { $0.label.contains("scancel") } == true)
    }

    @Test func aSpikeAfterTheResumeCountsAndOneBeforeItDoesNot() {
        func score(spikeAt step: Int) -> Candidate? {
            var f = Fixture()
            f.add(.resumeEvent, event: .checkpointLoad, step: 1200, rank: 0, line: 5123)
            f.add(.spike, metric: .loss, step: step, magnitude: 12, line: step)
            return f.investigate().candidates.first { $0.cause == "resume-state-reset" }
        }
        let after = score(spikeAt: 1204)
        let before = score(spikeAt: 800)
        #expect(after != nil)
        #expect(after?.contributions.contains { $0.label.contains("spike right after the resume") } == true)
        // Before the resume the spike cannot be its effect: the signature group finds nothing.
        #expect(before == nil)
    }

    @Test func causeMustPrecedeEffectForWithinSteps() {
        var f = Fixture()
        f.add(.resumeEvent, event: .checkpointLoad, step: 1200, rank: 0, line: 5123)
        f.add(.lrJumpAtResume, metric: .lr, step: 1200, magnitude: 8, before: 2e-5, after: 3e-4, line: 1200)
        f.add(.spike, metric: .loss, step: 3000, magnitude: 12, line: 3000)
        let c = f.investigate().candidates.first { $0.cause == "resume-state-reset" }
        #expect(c?.contributions.contains { $0.label.contains("spike right after the resume") } == false)
    }

    @Test func benignConfigChangesAloneAreNoIncident() {
        var f = Fixture()
        f.benignNoise()
        f.change("report_to", "wandb", "tensorboard", material: false)
        f.change("save_steps", "500", "1000", material: false)
        let inv = f.investigate()
        #expect(inv.status == .noIncident)
        #expect(inv.hypotheses.isEmpty)
        #expect(inv.weakSignals.isEmpty)
    }

    @Test func aMaterialChangeWithoutEffectsIsNoIncident() {
        var f = Fixture()
        f.benignNoise()
        f.change("learning_rate", "0.0002", "0.0003")
        f.change("max_seq_length", "2048", "4096")
        f.change("enable_prefix_caching", "true", "false")
        f.change("num_fewshot", "5", "0")
        let inv = f.investigate()
        #expect(inv.status == .noIncident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.weakSignals.allSatisfy { $0.confidence < 0.5 })
    }

    @Test func healthyNoiseIsNoIncident() {
        var f = Fixture()
        f.benignNoise()
        f.add(.spike, metric: .loss, step: 512, magnitude: 6, line: 512)
        f.add(.templateNovelty, line: 300)
        f.add(.templateChanged, key: "prompts/system.jinja", line: 3)
        f.add(.resumeEvent, event: .checkpointLoad, step: 0, rank: 0, line: 20)
        f.add(.stepTimeShift, metric: .stepTimeMs, step: 900, magnitude: 0.05, line: 900)
        let inv = f.investigate()
        #expect(inv.status == .noIncident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.hypotheses.isEmpty)
        #expect(inv.weakSignals.allSatisfy { $0.confidence < 0.5 })
    }

    @Test func noSymptomsAtAllIsNoIncident() {
        let inv = Fixture().investigate()
        #expect(inv.status == .noIncident)
        #expect(inv.candidates.isEmpty)
        #expect(inv.trace.last?.action == "conclude")
    }

    @Test func aMaterialButUnrelatedChangeWeighsLittle() {
        var withChange = InvestigatorCauseTests.scenario("disk-full")
        withChange.change("learning_rate", "0.0002", "0.0003")
        let inv = withChange.investigate()
        #expect(inv.top?.cause == "disk-full")
        #expect(inv.top?.contributions.contains { $0.label.contains("learning_rate") } == false)
    }

    @Test func fabricatedCitationsAreDropped() {
        var f = InvestigatorCauseTests.scenario("cuda-oom")
        f.symptoms = f.symptoms.map { s in
            guard s.eventKind == .oom else { return s }
            var s = s
            s.evidence.append(Evidence(kind: .log, source: "logs/ghost.log", line: 3, excerpt: "made up"))
            s.evidence.append(Evidence(kind: .log, source: "logs/rank3.log", line: 999_999, excerpt: "past the end"))
            s.evidence.append(Evidence(kind: .log, source: "baseline:logs/rank3.log", line: 5, excerpt: "baseline line"))
            return s
        }
        let inv = f.investigate()
        let ev = inv.top?.evidence ?? []
        #expect(inv.top?.cause == "cuda-oom")
        #expect(!ev.contains { $0.source == "logs/ghost.log" })
        #expect(!ev.contains { $0.line == 999_999 })
        #expect(ev.contains { $0.source == "baseline:logs/rank3.log" })
        #expect(inv.trace.contains { $0.action == "ground" && $0.detail.contains("logs/ghost.log") })
    }

    @Test func aHypothesisWithOnlyFabricatedEvidenceIsDropped() {
        var f = Fixture()
        let fake = Evidence(kind: .log, source: "logs/not-in-the-run.log", line: 10, excerpt: "No space left on device")
        f.symptoms.append(Symptom(kind: .failure, eventKind: .diskFull, onsetStep: 10, rank: 0,
                                  summary: "disk full", evidence: [fake]))
        let inv = f.investigate()
        #expect(!inv.candidates.contains { $0.cause == "disk-full" })
        #expect(inv.status == .noIncident)
        #expect(inv.trace.contains { $0.action == "ground" && $0.detail.contains("disk-full") })
    }

    @Test func groundingResolvesRunAndBaselineFiles() {
        let f = Fixture()
        let g = Grounding(run: f.input().run, baseline: f.input().baseline)
        #expect(g.resolves(Evidence(kind: .log, source: "logs/rank0.log", line: 1, excerpt: "")))
        #expect(g.resolves(Evidence(kind: .log, source: "./logs/rank0.log", line: 20_000, excerpt: "")))
        #expect(!g.resolves(Evidence(kind: .log, source: "logs/rank0.log", line: 20_001, excerpt: "")))
        #expect(!g.resolves(Evidence(kind: .log, source: "logs/rank0.log", line: 0, excerpt: "")))
        #expect(g.resolves(Evidence(kind: .config, source: "baseline:config.yaml", line: 3, excerpt: "")))
        #expect(!g.resolves(Evidence(kind: .config, source: "baseline:nope.yaml", excerpt: "")))
        #expect(g.resolves(Evidence(kind: .metric, source: "metrics.jsonl", excerpt: "")))
    }

    struct ReversingReasoner: Reasoner {
        var name: String { "reversing" }
        func propose(_ context: ReasoningContext) -> [String] { ["nccl-timeout", "cuda-oom", "no-such-cause"] }
        func rerank(_ candidates: [Candidate], context: ReasoningContext) -> [Candidate] {
            candidates.map { c in
                var c = c
                if c.cause == "nccl-timeout" { c.add(Contribution(label: "reasoner: watchdog fired first", logOdds: 10)) }
                return c
            }.sorted { $0.score > $1.score }
        }
    }

    @Test func aReasonerWorksThroughTheSameToolsAndIsRecorded() {
        let f = InvestigatorCauseTests.scenario("cuda-oom")
        let inv = f.investigate(Investigator(reasoner: ReversingReasoner()))
        #expect(inv.top?.cause == "nccl-timeout")
        #expect(inv.top?.contributions.contains { $0.label.hasPrefix("reasoner:") } == true)
        #expect(inv.trace.contains { $0.action == "propose" && $0.detail.contains("ignored (no playbook): no-such-cause") })
        #expect(inv.candidates.count == 2)
    }

    @Test func ranksAreConsecutiveAndOrdered() {
        var f = InvestigatorCauseTests.scenario("lr-too-high")
        f.add(.failure, event: .oom, time: 100, rank: 0, line: 50)
        let inv = f.investigate()
        #expect(inv.hypotheses.map(\.rank) == Array(1...inv.hypotheses.count))
        let conf = inv.hypotheses.map(\.confidence)
        #expect(conf == conf.sorted(by: >))
    }

    @Test func resultIsDeterministic() {
        let f = InvestigatorCauseTests.scenario("prompt-prefix-unstable")
        let a = f.investigate(), b = f.investigate()
        #expect(a.hypotheses == b.hypotheses)
        #expect(a.weakSignals == b.weakSignals)
        #expect(a.trace == b.trace)
    }
}
