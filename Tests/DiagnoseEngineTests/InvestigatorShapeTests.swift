import DiagnoseCore
@testable import DiagnoseEngine
import Testing

/// Harder shapes: weaker evidence than the textbook scenario, detectors' cascade marks that
/// are not root causes, signals already present in the baseline.
@Suite struct InvestigatorShapeTests {
    @Test func networkErrorThenTimeoutsEverywhereIsNCCL() {
        var f = Fixture()
        f.benignNoise()
        f.add(.failure, event: .ncclError, time: 900, rank: 2, line: 800)
        for r in 0..<4 { f.add(.failure, event: .ncclTimeout, time: 1500, rank: r, line: 950) }
        // The cascade detector marks timeouts after a failure on another rank, whatever its kind.
        for r in [0, 1, 3] { f.add(.cascade, event: .ncclTimeout, time: 1500, rank: r, line: 950) }
        f.add(.templateNovelty, line: 5)
        let inv = f.investigate()
        #expect(inv.status == .incident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.top?.cause == "nccl-timeout")
    }

    @Test func slowdownOnOneRankOfSeveralIsAStraggler() {
        var f = Fixture()
        f.benignNoise()
        for r in 0..<4 { f.event(.checkpointSave, rank: r, line: 10, step: 100, message: "saving checkpoint") }
        f.add(.throughputDrop, metric: .tokensPerS, step: 150, magnitude: 0.3, before: 6962, after: 4828, line: 150)
        f.add(.throughputDrop, metric: .tokensPerS, step: 150, rank: 2, magnitude: 0.3, before: 6962, after: 4828, line: 151)
        let inv = f.investigate()
        #expect(inv.status == .incident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.top?.cause == "straggler-node")
        #expect(inv.top?.title.contains("Rank 2") == true)
    }

    @Test func aWholeRunSlowdownWithoutARankIsOnlyAWeakSignal() {
        var f = Fixture()
        f.benignNoise()
        f.add(.stepTimeShift, metric: .stepTimeMs, step: 180, magnitude: 0.45, before: 410, after: 595, line: 180)
        f.add(.throughputDrop, metric: .tokensPerS, step: 180, magnitude: 0.3, before: 9000, after: 6300, line: 181)
        let inv = f.investigate()
        #expect(inv.status == .noIncident)
        #expect(inv.weakSignals.first?.cause == "straggler-node")
    }

    @Test func oneRankNeedsSeveralRanks() {
        var f = Fixture()
        f.add(.throughputDrop, metric: .tokensPerS, step: 150, rank: 0, magnitude: 0.3, line: 151)
        let c = f.investigate().candidates.first { $0.cause == "straggler-node" }
        #expect(c?.contributions.contains { $0.label.contains("one rank only") } == false)
    }

    @Test func lossAndGradNormSpikingTogetherIsABadBatch() {
        var f = Fixture()
        f.benignNoise()
        f.add(.spike, metric: .gradNorm, step: 237, magnitude: 1000, line: 237)
        f.add(.spike, metric: .loss, step: 237, magnitude: 29, line: 238)
        let inv = f.investigate()
        #expect(inv.top?.cause == "bad-data-batch", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.status == .incident)
    }

    @Test func aHugeGradNormSpikeAloneIsNoIncident() {
        var f = Fixture()
        f.benignNoise()
        f.add(.spike, metric: .gradNorm, step: 162, magnitude: 343, line: 162)
        f.add(.templateNovelty, line: 5)
        #expect(f.investigate().status == .noIncident)
    }

    @Test func lrRisingRightAtTheResumeIsAStateReset() {
        var f = Fixture()
        f.add(.resumeEvent, event: .checkpointLoad, step: 200, rank: 0, line: 57)
        f.add(.levelShiftUp, metric: .lr, step: 201, magnitude: 0.77, before: 1.127e-05, after: 2e-05, line: 201)
        let inv = f.investigate()
        #expect(inv.top?.cause == "resume-state-reset")
        #expect(inv.status == .incident)
    }

    @Test func slowdownWithDataWaitIsTheDataloader() {
        var f = Fixture()
        f.add(.stepTimeShift, metric: .stepTimeMs, step: 200, magnitude: 0.6, before: 400, after: 640, line: 200)
        f.add(.throughputDrop, metric: .tokensPerS, step: 200, magnitude: 0.4, line: 201)
        f.add(.dataWaitRise, metric: .dataTimeMs, step: 200, magnitude: 12, before: 20, after: 240, line: 202)
        #expect(f.investigate().top?.cause == "dataloader-stall")
    }

    @Test func accumulationChangeWithOnlyALevelShiftIsGradAccum() {
        var f = Fixture()
        f.benignNoise()
        f.change("gradient_accumulation_steps", "4", "16")
        f.add(.levelShiftDown, metric: .loss, step: 30, magnitude: 0.12, line: 30)
        let inv = f.investigate()
        #expect(inv.status == .incident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.top?.cause == "grad-accum-misconfig")
    }

    @Test func warmupRemovedWithTheSamePeakIsWarmupMissing() {
        var f = Fixture()
        f.benignNoise()
        f.change("warmup_iters", "80", "0")
        f.add(.lrNoWarmup, metric: .lr, step: 0, magnitude: 8, line: 1)
        f.add(.spike, metric: .loss, step: 12, magnitude: 9, line: 12)
        f.add(.plateau, metric: .loss, step: 200, magnitude: 0.3, line: 200)
        let inv = f.investigate()
        #expect(inv.top?.cause == "warmup-missing")
        #expect(inv.top?.cause != "lr-schedule-misconfig")
    }

    @Test func dynamicContentAlreadyInTheBaselineWeighsLess() {
        func score(baselineHadIt: Bool) -> Double? {
            var f = Fixture()
            f.add(.templateDynamicContent, key: "system_prompt", magnitude: 0.95, before: baselineHadIt ? 1 : 0, line: 2)
            f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 0.5, before: 0.7, after: 0.2, line: 700)
            return f.investigate().candidates.first { $0.cause == "prompt-prefix-unstable" }?.score
        }
        let new = score(baselineHadIt: false), old = score(baselineHadIt: true)
        #expect(new != nil && old != nil)
        if let new, let old { #expect(new > old) }
    }

    @Test func fp16WithEarlyIsolatedOverflowsOnlyIsQuiet() {
        var f = Fixture()
        f.benignNoise()
        for i in 0..<4 {
            f.event(.overflowSkip, rank: 0, line: 40 + i, step: i,
                    message: "[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: \(65536 >> i), reducing to \(32768 >> i)")
        }
        let inv = f.investigate()
        #expect(inv.status == .noIncident)
    }

    @Test func removedFlagCountsAsDisabled() {
        var f = Fixture()
        f.change("enable_prefix_caching", "true", nil)
        f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.6, line: 700)
        #expect(f.investigate().top?.cause == "prefix-caching-disabled")
    }
}

@Suite struct InvestigatorRedHerringTests {
    @Test func aModestlyHigherLearningRateThatTrainsFineIsOnlyAWeakSignal() {
        var f = Fixture()
        f.benignNoise()
        f.change("lr", "0.0003", "0.00045")
        f.add(.lrPeakAboveBaseline, metric: .lr, step: 10, magnitude: 1.5, before: 0.0003, after: 0.00045, line: 10)
        let inv = f.investigate()
        #expect(inv.status == .noIncident, "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.weakSignals.first?.cause == "lr-too-high")
    }

    @Test func aLearningRateFarAboveTheBaselineIsAnIncidentEvenWithoutDetectedInstability() {
        var f = Fixture()
        f.benignNoise()
        f.add(.lrPeakAboveBaseline, metric: .lr, step: 6, magnitude: 8, before: 0.0003, after: 0.0024, line: 6)
        let inv = f.investigate()
        #expect(inv.top?.cause == "lr-too-high")
        #expect(inv.top?.title == "Peak LR 8x the baseline's (0.0003 -> 0.0024) from step 6")
    }

    @Test func missingConfigChangesOnlyCountWhenConfigsWereCompared() {
        var f = Fixture()
        f.add(.batchShapeChange, metric: .epoch, step: 1, magnitude: 0.5, line: 79)
        f.add(.spike, metric: .loss, step: 5, magnitude: 11, line: 5)
        let compared = f.investigate().candidates.first { $0.cause == "grad-accum-misconfig" }
        #expect(compared?.contributions.contains { $0.label.hasPrefix("no batch") } == true)
        f.configs = []
        let blind = f.investigate().candidates.first { $0.cause == "grad-accum-misconfig" }
        #expect(blind?.contributions.contains { $0.label.hasPrefix("no batch") } == false)
        #expect((blind?.score ?? 0) > (compared?.score ?? 0))
    }

    @Test func stepsDecideOrderAcrossFilesWhoseClocksDisagree() {
        var a = Finding(origin: .symptom, kind: .resumeEvent, step: 200, time: 5_000, summary: "resume")
        var b = Finding(origin: .symptom, kind: .levelShiftUp, step: 201, time: 100, summary: "lr up")
        #expect(Finding.order(a, b) == -1)
        a.step = nil; b.step = nil
        #expect(Finding.order(a, b) == 1)
        a.step = 7; b.step = 7
        #expect(Finding.order(a, b) == 1)
        // Same step, no clock: the line order within one log decides.
        let oom = Finding(origin: .symptom, kind: .failure, step: 7, summary: "oom",
                          evidence: [Evidence(kind: .log, source: "train.log", line: 75, excerpt: "")])
        let nccl = Finding(origin: .symptom, kind: .failure, step: 7, summary: "timeout",
                           evidence: [Evidence(kind: .log, source: "train.log", line: 76, excerpt: "")])
        #expect(Finding.order(oom, nccl) == -1)
    }
}

@Suite struct InvestigatorCacheShapeTests {
    @Test func zeroHitsWithAStablePromptIsAPrefixTooShort() {
        var f = Fixture()
        f.benignNoise()
        f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.55, line: 700)
        let inv = f.investigate()
        #expect(inv.top?.cause == "cache-prefix-too-short", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
    }

    @Test func zeroHitsLikeTheBaselineIsNoIncident() {
        var f = Fixture()
        f.benignNoise()
        f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0, line: 700)
        #expect(f.investigate().status == .noIncident)
    }
}

@Suite struct InvestigatorFailureTextTests {
    @Test func aNaNCheckThatFailsAgainAfterARestartIsABadBatch() {
        var f = Fixture()
        f.benignNoise()
        let ev = Evidence(kind: .log, source: "logs/rank0.log", line: 123, step: 280, rank: 0,
                          excerpt: "RuntimeError: Rank 0, node gpu-h001, device 0, iteration 281: Unexpected result nan (message='found NaN in local grad norm')")
        f.symptoms.append(Symptom(kind: .failure, eventKind: .traceback, onsetStep: 280, rank: 0, magnitude: 2,
                                  summary: "first traceback on rank 0 at step 280, 2 in all", evidence: [ev]))
        f.add(.resumeEvent, event: .checkpointLoad, step: 200, rank: 0, line: 42)
        let inv = f.investigate()
        #expect(inv.top?.cause == "bad-data-batch", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.status == .incident)
        #expect(inv.top?.title == "NaN check failed at step 280 (2 occurrences): likely a bad batch")
    }

    @Test func anUnrelatedTracebackIsNotABadBatch() {
        var f = Fixture()
        let ev = Evidence(kind: .log, source: "logs/rank0.log", line: 99, excerpt: "KeyError: 'maintenance_window'")
        f.symptoms.append(Symptom(kind: .failure, eventKind: .traceback, onsetStep: 10, rank: 0, magnitude: 2,
                                  summary: "first traceback on rank 0", evidence: [ev]))
        #expect(!f.investigate().candidates.contains { $0.cause == "bad-data-batch" })
    }
}

@Suite struct InvestigatorServingEvalShapeTests {
    @Test func cachingOffAtStartupIsFoundInAnyMatchingLogLine() {
        var f = Fixture()
        f.benignNoise()
        f.templates = [
            TemplateStat(id: 1, text: "api_server.py:<*>] vLLM API server version <*>", count: 1, source: "logs/rank0.log",
                         firstLine: 3, firstOffset: 0),
            TemplateStat(id: 2, text: "llm_engine.py:<*>] Initializing an LLM engine (<*>) with config: model='m', enable_prefix_caching=False, use_v2_block_manager=True",
                         count: 1, source: "logs/rank0.log", firstLine: 7, firstOffset: 300),
        ]
        f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.6, line: 700)
        let inv = f.investigate()
        #expect(inv.top?.cause == "prefix-caching-disabled", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.top?.evidence.contains { $0.line == 7 } == true)
    }

    @Test func aToolLoopEditWithAHitDropIsToolSchemaOrder() {
        var f = Fixture()
        f.benignNoise()
        let ev = Evidence(kind: .config, source: "prompts/system.jinja", line: 14,
                          excerpt: "{% for tool in tools %}", key: "chat_template")
        f.symptoms.append(Symptom(kind: .templateChanged, configKey: "chat_template", magnitude: 0.4,
                                  summary: "chat_template changed at line 14: {% for tool in tools | sort(attribute='name') %} -> {% for tool in tools %}",
                                  evidence: [ev]))
        f.add(.cacheHitDrop, metric: .cacheHitRate, time: 2000, magnitude: 0.5, before: 0.7, after: 0.2, line: 700)
        let inv = f.investigate()
        #expect(inv.top?.cause == "tool-schema-order", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
    }

    @Test func aLengthLimitInGenKwargsIsTruncation() {
        var f = Fixture()
        f.benignNoise()
        f.change("config.gen_kwargs", nil, "max_gen_toks=24")
        f.add(.evalFailureCluster, trait: .truncated, magnitude: 0.9, line: 10)
        f.add(.evalScoreDrop, magnitude: 12, before: 0.6, after: 0.1, line: 1)
        #expect(f.investigate().top?.cause == "max-tokens-truncation")
    }

    @Test func aPinnedOldRevisionIsAWrongCheckpointNotAnEvalChange() {
        var f = Fixture()
        f.benignNoise()
        f.change("config.model_args", "pretrained=org/m", "pretrained=org/m,revision=3f1c2ab")
        f.add(.evalScoreDrop, magnitude: 5, before: 0.6, after: 0.5, line: 1)
        f.add(.checkpointMismatch, magnitude: 4000, before: 6000, after: 2000, line: 2)
        let inv = f.investigate()
        #expect(inv.top?.cause == "wrong-checkpoint")
        #expect(inv.top?.title == "Evaluated the checkpoint at step 2000, not the intended step 6000")
    }

    @Test func aDateAtTheEndOfTheSystemPromptIsHarmless() {
        var f = Fixture()
        f.benignNoise()
        f.add(.templateDynamicContent, key: "system_prompt", magnitude: 0.05, before: 0, line: 30)
        f.add(.templateChanged, key: "system_prompt", magnitude: 0.02, line: 30)
        #expect(f.investigate().status == .noIncident)
    }
}

@Suite struct ConfigMoveTests {
    @Test func aKeyMovedBetweenFilesWithTheSameValueDidNotChange() {
        var f = Fixture()
        f.change("lr", nil, "0.0003", line: 20)
        f.change("lr", "0.0003", nil, line: 21)
        f.change("eval.model_generate_config.max_tokens", nil, "20", line: 30)
        f.change("eval.model_generate_config.max_tokens", "512", nil, line: 31)
        let tools = EvidenceTools(input: f.input(), symptoms: f.symptoms)
        let cfg = tools.findings(.configChange)
        #expect(!cfg.contains { $0.configKey == "lr" })
        let mt = cfg.filter { $0.configKey == "eval.model_generate_config.max_tokens" }
        #expect(mt.count == 1)
        #expect(mt.first?.oldValue == "512" && mt.first?.newValue == "20")
        #expect(mt.first.map { PlaybookEvaluator.moved($0, .decreased) } == true)
    }

    @Test func movedLengthLimitDrivesTruncation() {
        var f = Fixture()
        f.change("eval.model_generate_config.max_tokens", nil, "20", line: 30)
        f.change("eval.model_generate_config.max_tokens", "512", nil, line: 31)
        f.change("eval.model_generate_config.stop_seqs.0", nil, "Question:", line: 32)
        f.change("eval.model_generate_config.stop_seqs.0", "Question:", nil, line: 33)
        f.add(.evalFailureCluster, trait: .truncated, magnitude: 1, line: 10)
        let inv = f.investigate()
        #expect(inv.top?.cause == "max-tokens-truncation", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.status == .incident)
    }

    @Test func configFindingsPrecedeTheRun() {
        var f = Fixture()
        f.change("learning_rate", "1", "2")
        let tools = EvidenceTools(input: f.input(), symptoms: f.symptoms)
        #expect(tools.findings(.configChange).allSatisfy { $0.origin == .config })
    }
}

@Suite struct ConfigOnlyTests {
    @Test func aLargeAccumulationChangeAloneIsABorderlineGradAccum() {
        var f = Fixture()
        f.benignNoise()
        f.change("gradient_accumulation_steps", "8", "1")
        let inv = f.investigate()
        let top = inv.top ?? inv.weakSignals.first
        #expect(top?.cause == "grad-accum-misconfig")
        #expect((top?.confidence ?? 1) <= 0.6)
    }

    @Test func aScheduleLengthChangeAloneIsOnlyAWeakSignal() {
        var f = Fixture()
        f.benignNoise()
        f.change("lr_decay_iters", "400", "80")
        let inv = f.investigate()
        #expect(inv.status == .noIncident)
        #expect(inv.weakSignals.first?.cause == "lr-schedule-misconfig")
    }
}

@Suite struct ExplainingAwayTests {
    @Test func aNaNWithNoRivalExplanationIsABadBatch() {
        var f = Fixture()
        f.benignNoise()
        f.add(.nonFinite, metric: .loss, step: 193, magnitude: 208, before: 2.3, after: 1, line: 193)
        let inv = f.investigate()
        #expect(inv.top?.cause == "bad-data-batch")
        #expect(inv.top?.contributions.contains { $0.label.hasPrefix("no rival explanation") } == true)
    }

    @Test func aNaNAfterAnLRRaiseIsNotABadBatch() {
        var f = Fixture()
        f.change("learning_rate", "0.0003", "0.003")
        f.add(.lrPeakAboveBaseline, metric: .lr, step: 10, magnitude: 10, line: 10)
        f.add(.nonFinite, metric: .loss, step: 193, magnitude: 208, after: 1, line: 193)
        let inv = f.investigate()
        #expect(inv.top?.cause == "lr-too-high")
        let bad = inv.candidates.first { $0.cause == "bad-data-batch" }
        #expect(bad?.contributions.contains { $0.label.hasPrefix("no rival explanation") } == false)
    }

    @Test func anEmbeddingIndexAssertIsATokenizerMismatch() {
        var f = Fixture()
        f.templates = [TemplateStat(id: 9, text: "<*> indexSelectLargeIndex: block: [<*>], thread: [<*>] Assertion `srcIndex < srcSelectDimSize` failed.",
                                    count: 4, source: "logs/rank0.log", firstLine: 27, firstOffset: 900)]
        f.add(.failure, event: .traceback, step: 0, rank: 0, line: 31)
        let inv = f.investigate()
        #expect(inv.top?.cause == "tokenizer-mismatch", "\(inv.candidates.map { "\($0.cause)=\($0.score)" })")
        #expect(inv.top?.evidence.contains { $0.line == 27 } == true)
    }

    @Test func aToolDiscoveryChangeExplainsZeroHitsBetterThanAShortPrefix() {
        var f = Fixture()
        f.change("tools.discovery", "sequential", "concurrent")
        f.add(.cacheHitZero, metric: .cacheHitRate, time: 2000, magnitude: 1, before: 0.82, line: 700)
        #expect(f.investigate().top?.cause == "tool-schema-order")
    }

    @Test func warmupSetToZeroIsWarmupMissing() {
        var f = Fixture()
        f.benignNoise()
        f.change("warmup_iters", "80", "0")
        #expect(f.investigate().top?.cause == "warmup-missing")
    }

    @Test func aPinnedRevisionWithAScoreDropIsAWrongCheckpoint() {
        var f = Fixture()
        f.change("model_args", "pretrained=acme/m,revision=main", "pretrained=acme/m,revision=3f1c2ab")
        f.add(.evalScoreDrop, magnitude: 7, before: 0.52, after: 0.38, line: 1)
        let inv = f.investigate()
        #expect(inv.top?.cause == "wrong-checkpoint")
        #expect(inv.status == .incident)
    }
}
