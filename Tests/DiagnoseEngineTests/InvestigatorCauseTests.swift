import DiagnoseCore
@testable import DiagnoseEngine
import Testing

/// Hand-built symptom sets, one per cause, each in the shape the detectors report; each must
/// make its cause rank first with an incident, against benign config noise.
@Suite struct InvestigatorCauseTests {
    static func scenario(_ cause: String) -> Fixture {
        var f = Fixture()
        f.benignNoise()
        switch cause {
        case "lr-too-high":
            f.change("optimizer.lr", "0.0003", "0.003")
            f.add(.lrPeakAboveBaseline, metric: .lr, step: 200, magnitude: 10, before: 3e-4, after: 3e-3)
            f.add(.spike, metric: .gradNorm, step: 380, magnitude: 25, line: 380)
            f.add(.divergence, metric: .loss, step: 400, magnitude: 3, line: 400)
            f.add(.nonFinite, metric: .loss, step: 450, line: 450)
        case "warmup-missing":
            f.change("warmup_steps", "500", "0")
            f.add(.lrNoWarmup, metric: .lr, step: 0, before: 0, after: 3e-4, line: 1)
            f.add(.spike, metric: .loss, step: 20, magnitude: 12, line: 20)
            f.add(.divergence, metric: .loss, step: 60, magnitude: 2, line: 60)
        case "fp16-overflow":
            f.change("bf16", "true", "false")
            f.change("fp16", "false", "true", line: 13)
            f.add(.overflowFrequent, event: .overflowSkip, step: 150, rank: 0, magnitude: 0.4)
            f.add(.lossScaleCollapse, metric: .lossScale, step: 300, before: 65536, after: 1, line: 300)
            f.add(.nonFinite, metric: .loss, step: 320, line: 320)
        case "bad-data-batch":
            f.add(.resumeEvent, event: .resume, step: 700, rank: 0, line: 7000)
            f.add(.spike, metric: .gradNorm, step: 777, magnitude: 40, line: 777)
            f.add(.nonFinite, metric: .loss, step: 777, line: 778)
            f.add(.recurringAtSamePosition, metric: .loss, step: 777, magnitude: 2)
        case "data-repeat":
            f.change("data.shuffle", "true", "false")
            f.add(.lossSawtooth, metric: .loss, step: 1000, magnitude: 0.3, line: 1000)
            f.add(.trainValGap, metric: .evalLoss, step: 1000, magnitude: 0.5, line: 1001)
        case "lr-schedule-misconfig":
            f.change("lr_decay_iters", "100000", "10000")
            f.add(.lrFloorEarly, metric: .lr, step: 1000, magnitude: 0.1, line: 1000)
            f.add(.plateau, metric: .loss, step: 1100, line: 1100)
        case "grad-accum-misconfig":
            f.change("gradient_accumulation_steps", "8", "1")
            f.add(.batchShapeChange, metric: .globalBatchSize, step: 0, before: 512, after: 64, line: 1)
            f.add(.levelShiftUp, metric: .loss, step: 50, magnitude: 0.15, line: 50)
        case "resume-state-reset":
            f.add(.resumeEvent, event: .checkpointLoad, step: 1200, rank: 0, line: 5123)
            f.add(.lrJumpAtResume, metric: .lr, step: 1200, magnitude: 8, before: 2e-5, after: 3e-4, line: 1200)
            f.add(.spike, metric: .loss, step: 1206, magnitude: 15, line: 1206)
        case "tokenizer-mismatch":
            f.change("tokenizer_name_or_path", "org/model-tok", "org/other-tok")
            f.add(.failure, event: .indexError, step: 0, rank: 0, line: 88)
            f.add(.highFromStart, metric: .loss, step: 0, magnitude: 3, line: 1)
        case "cuda-oom":
            f.change("max_seq_length", "2048", "8192")
            f.add(.failure, event: .oom, time: 1000, rank: 3, line: 900)
            for r in 0..<3 {
                f.add(.failure, event: .ncclTimeout, time: 1600, rank: r, line: 950)
                f.add(.cascade, event: .ncclTimeout, time: 1600, rank: r, line: 950)
            }
            f.add(.failure, event: .childFailed, time: 1610, rank: 0, line: 990)
        case "nccl-timeout":
            for r in 0..<4 { f.add(.failure, event: .ncclTimeout, time: 1600 + Double(r), rank: r, line: 950) }
            f.add(.rankStoppedFirst, step: 4210, rank: 2, line: 940)
            f.add(.failure, event: .childFailed, time: 1610, rank: 0, line: 990)
        case "gpu-hardware-fault":
            f.add(.failure, event: .xid, time: 1000, rank: 1, source: "kern.log", line: 31)
            f.add(.failure, event: .traceback, time: 1010, rank: 1, line: 700)
            for r in [0, 2, 3] { f.add(.failure, event: .ncclTimeout, time: 1600, rank: r, line: 950) }
        case "straggler-node":
            f.add(.rankStraggler, metric: .stepTimeMs, step: 300, rank: 3, magnitude: 1.6, line: 300)
            f.add(.stepTimeShift, metric: .stepTimeMs, step: 300, magnitude: 0.5, line: 301)
            f.add(.throughputDrop, metric: .tokensPerS, step: 300, magnitude: 0.35, line: 302)
        case "dataloader-stall":
            f.change("dataloader_num_workers", "8", "1")
            f.add(.dataWaitRise, metric: .dataTimeMs, step: 100, magnitude: 5, line: 100)
            f.add(.throughputDrop, metric: .tokensPerS, step: 100, magnitude: 0.4, line: 101)
        case "disk-full":
            f.add(.failure, event: .diskFull, step: 2000, rank: 0, line: 4000)
            f.add(.failure, event: .traceback, step: 2000, rank: 0, line: 4001)
        case "preemption":
            f.add(.failure, event: .slurmCancel, time: 5000, rank: nil, line: 12000)
            f.add(.failure, event: .signal, time: 5001, rank: 0, line: 12001)
        case "prompt-prefix-unstable":
            f.add(.templateChanged, key: "prompts/system.jinja", line: 1)
            f.add(.templateDynamicContent, key: "prompts/system.jinja", line: 2)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 0.9, before: 0.82, after: 0.06, line: 700)
        case "tool-schema-order":
            f.add(.templateReordered, key: "tools.json", line: 3)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 0.7, before: 0.8, after: 0.2, line: 700)
        case "prefix-caching-disabled":
            f.change("enable_prefix_caching", "true", "false")
            f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.7, after: 0, line: 700)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.7, after: 0, line: 700)
        case "cache-capacity-eviction":
            f.change("gpu_memory_utilization", "0.9", "0.5")
            f.add(.cacheEvictionRise, metric: .preemptions, time: 2100, magnitude: 6, line: 800)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2200, magnitude: 0.5, before: 0.7, after: 0.35, line: 810)
        case "cache-prefix-too-short":
            f.change("block_size", "16", "256")
            f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.6, after: 0, line: 700)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.6, after: 0, line: 700)
        case "cache-routing-affinity":
            f.change("router.replicas", "2", "8")
            f.add(.replicaCountChange, time: 1900, magnitude: 4, before: 2, after: 8, line: 600)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 0.6, before: 0.75, after: 0.3, line: 700)
        case "chat-template-mismatch":
            f.add(.templateChanged, key: "tokenizer_config.json:chat_template", line: 4)
            f.add(.evalFailureCluster, trait: .specialTokens, magnitude: 0.6, line: 10)
            f.add(.evalScoreDrop, magnitude: 0.3, before: 0.62, after: 0.31, line: 1)
        case "stop-sequence-misconfig":
            f.change("gen_kwargs.until", "[\"\\n\\n\", \"Question:\"]", "[]")
            f.add(.evalFailureCluster, trait: .ranOn, magnitude: 0.7, line: 10)
            f.add(.evalFailureCluster, trait: .truncated, magnitude: 0.5, line: 11)
            f.add(.evalScoreDrop, magnitude: 0.25, before: 0.55, after: 0.3, line: 1)
        case "max-tokens-truncation":
            f.change("gen_kwargs.max_gen_toks", "512", "64")
            f.add(.evalFailureCluster, trait: .truncated, magnitude: 0.8, line: 10)
            f.add(.evalScoreDrop, magnitude: 0.4, before: 0.7, after: 0.3, line: 1)
        case "eval-config-change":
            f.change("num_fewshot", "5", "0")
            f.add(.evalScoreDrop, magnitude: 0.08, before: 0.64, after: 0.56, line: 1)
        case "answer-extraction-failure":
            f.add(.evalFailureCluster, trait: .extractionInvalid, magnitude: 0.7, line: 10)
            f.add(.evalScoreDrop, magnitude: 0.5, before: 0.8, after: 0.3, line: 1)
        case "wrong-checkpoint":
            f.change("model_name_or_path", "/ckpt/run7/step-5000", "/ckpt/run7/step-500")
            f.add(.checkpointMismatch, line: 2)
            f.add(.evalScoreDrop, magnitude: 0.2, before: 0.6, after: 0.4, line: 1)
        default:
            Issue.record("no scenario for \(cause)")
        }
        return f
    }

    @Test(arguments: CauseCatalog.ids)
    func causeRanksFirst(_ cause: String) {
        let inv = Self.scenario(cause).investigate()
        let summary = inv.candidates.map { "\($0.cause)=\(TemplateText.number($0.score))" }.joined(separator: " ")
        #expect(inv.status == .incident, "\(cause): \(summary)")
        #expect(inv.top?.cause == cause, "\(cause): \(summary)")
        guard let top = inv.top else { return }
        #expect(top.confidence >= 0.5 && top.confidence <= 1)
        #expect(top.evidence.contains { $0.supports })
        #expect(top.playbook == "playbooks/\(cause).yaml")
        #expect(!top.remediation.isEmpty && !(top.verify ?? "").isEmpty)
        let sum = top.contributions.reduce(0) { $0 + $1.logOdds }
        #expect(abs(PlaybookLibrary.embedded.calibration.probability(sum) - top.confidence) < 0.001)
        #expect(top.contributions.first?.label == "prior")
        #expect(!top.title.contains("{"), "unrendered title: \(top.title)")
        #expect(!top.title.isEmpty)
    }

    @Test func titlesAreBuiltFromTheSymptomsValues() {
        let resume = Self.scenario("resume-state-reset").investigate().top
        #expect(resume?.title == "Resumed at step 1200 without scheduler state: LR jumped from 2e-05 to 0.0003")
        #expect(resume?.onsetStep == 1200)
        let oom = Self.scenario("cuda-oom").investigate().top
        #expect(oom?.title == "CUDA out of memory on rank 3 after max_seq_length grew from 2048 to 8192")
        let lr = Self.scenario("lr-too-high").investigate().top
        #expect(lr?.title.contains("0.0003") == true && lr?.title.contains("0.003") == true)
        #expect(lr?.title.contains("step 400") == true)
        #expect(lr?.onsetStep == 400)
    }

    @Test func benignNoiseNeverCites() {
        for cause in CauseCatalog.ids {
            guard let top = Self.scenario(cause).investigate().top else { continue }
            for e in top.evidence where e.kind == .config {
                #expect(!["seed", "run_name", "logging_steps", "output_dir"].contains(e.key ?? ""), "\(cause) cites \(e.key ?? "")")
            }
        }
    }

    @Test func traceRecordsTheSteps() {
        let inv = Self.scenario("cuda-oom").investigate()
        let actions = inv.trace.map(\.action)
        #expect(actions.first == "observe")
        #expect(actions.contains("propose"))
        #expect(actions.contains("query"))
        #expect(actions.contains("score"))
        #expect(actions.last == "conclude")
    }
}
