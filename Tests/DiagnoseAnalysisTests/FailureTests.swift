import DiagnoseCore
import Testing
@testable import DiagnoseAnalysis

@Suite struct FailureTests {
    let oom = Fx.event(.oom, line: 812, source: "logs/rank3.log", step: 1450, time: Fx.t0 + 100, rank: 3,
                       message: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 3 has a total capacity of 79.15 GiB of which 1.02 GiB is free.",
                       detail: .oom(triedBytes: 2_147_483_648, gpu: 3))

    func timeout(_ rank: Int, _ t: Double) -> Sourced<LogEvent> {
        Fx.event(.ncclTimeout, line: 900 + rank, source: "logs/rank\(rank).log", time: Fx.t0 + t, rank: rank,
                 message: "[rank\(rank)]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank \(rank)] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1531, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600052 milliseconds before timing out.",
                 detail: .ncclTimeout(op: "ALLREDUCE", seqNum: 1531, timeoutMs: 600000))
    }

    @Test func firstFailurePerKindAndRank() {
        let events = [oom, timeout(0, 700), timeout(0, 800), timeout(1, 701)]
        let out = FailureDetector().detect(Fx.input(Fx.obs(events: events)))
        #expect(out.count == 3)
        let r0 = out.first { $0.rank == 0 }!
        #expect(r0.eventKind == .ncclTimeout && r0.magnitude == 2 && r0.onsetTime == Fx.t0 + 700 && r0.evidence.count == 2)
        #expect(out.first { $0.rank == 3 }?.evidence[0].excerpt.hasPrefix("torch.OutOfMemoryError") == true)
    }

    @Test func timeoutsAfterAnOOMOnAnotherRankAreCascades() {
        let events = [oom, timeout(0, 700), timeout(1, 701)]
        let out = CascadeDetector().detect(Fx.input(Fx.obs(events: events)))
        #expect(out.count == 2)
        #expect(out.allSatisfy { $0.eventKind == .ncclTimeout && $0.evidence.count == 2 && $0.evidence[1].line == 812 })
        #expect(out.allSatisfy { $0.summary.contains("follows oom on rank 3") && $0.summary.contains("likely root") })
        #expect(out.first { $0.rank == 0 }?.magnitude == 600)
    }

    @Test func aLoneTimeoutIsNotACascade() {
        #expect(CascadeDetector().detect(Fx.input(Fx.obs(events: [timeout(0, 700)]))).isEmpty)
        let sameRankEarlierTimeout = [timeout(0, 700), Fx.event(.signal, line: 950, source: "logs/rank0.log", time: Fx.t0 + 720, rank: 0,
                                                                message: "Received SIGTERM")]
        #expect(CascadeDetector().detect(Fx.input(Fx.obs(events: sameRankEarlierTimeout))).isEmpty)
    }

    @Test func xidInKernelLogExplainsLaterErrorsOnAnyRank() {
        let xid = Fx.event(.xid, line: 3, source: "kernel/dmesg.log", time: Fx.t0 + 50,
                           message: "NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus.",
                           detail: .xid(code: 79, meaning: "GPU has fallen off the bus", pci: "0000:3b:00"))
        let err = Fx.event(.ncclError, line: 40, source: "logs/rank2.log", time: Fx.t0 + 60, rank: 2,
                           message: "NCCL WARN Cuda failure 'unspecified launch failure'")
        let out = CascadeDetector().detect(Fx.input(Fx.obs(events: [xid, err])))
        #expect(out.count == 1 && out[0].rank == 2 && out[0].evidence[1].source == "kernel/dmesg.log")
    }

    @Test func childFailedNamesItsRoot() {
        let crash = Fx.event(.traceback, line: 200, source: "logs/rank5.log", rank: 5, message: "IndexError: index out of range in self")
        let child = Fx.event(.childFailed, line: 20, source: "logs/launcher.log", rank: nil,
                             message: "torch.distributed.elastic.multiprocessing.errors.ChildFailedError:",
                             detail: .childFailed(rank: 5, exitCode: 1, signal: nil))
        // Order unknown across files without times or steps: no claim is made.
        #expect(CascadeDetector().detect(Fx.input(Fx.obs(events: [crash, child]))).isEmpty)
        var timedCrash = crash; timedCrash.value.time = Fx.t0
        var timedChild = child; timedChild.value.time = Fx.t0 + 5
        let out = CascadeDetector().detect(Fx.input(Fx.obs(events: [timedCrash, timedChild])))
        #expect(out.count == 1 && out[0].summary.contains("traceback on rank 5"))
    }

    @Test func resumeEventsMergedAcrossRanks() {
        let events = (0..<4).map { (r: Int) in
            Fx.event(.checkpointLoad, line: 50, source: "logs/rank\(r).log", rank: r, severity: .info,
                     message: "Loading checkpoint from out/checkpoint-1200",
                     detail: .checkpoint(path: "out/checkpoint-1200", step: nil, optimizerState: nil, schedulerState: nil))
        } + [Fx.event(.checkpointLoad, line: 3, severity: .info, message: "loading checkpoint shards",
                      detail: .checkpoint(path: nil, step: nil, optimizerState: nil, schedulerState: nil))]
        let out = ResumeDetector().detect(Fx.input(Fx.obs(events: events)))
        #expect(out.count == 1 && out[0].onsetStep == 1200 && out[0].magnitude == 4)
    }

    @Test func checkpointStepParsing() {
        #expect(CheckpointStep.step(in: "/ckpt/run/checkpoint-1200/") == 1200)
        #expect(CheckpointStep.step(in: "pretrained=out/iter_0001500,dtype=bfloat16") == 1500)
        #expect(CheckpointStep.step(in: "global_step500") == 500)
        #expect(CheckpointStep.step(in: "meta-llama/Llama-3-8B") == nil)
    }
}

@Suite struct ResumeRegressionTests {
    @Test func loadingABaseCheckpointBeyondTheRunsStepsIsNotAResume() {
        let load = Fx.event(.checkpointLoad, line: 4, severity: .info, message: "loading weights from /models/base/checkpoint-5000",
                            detail: .checkpoint(path: "/models/base/checkpoint-5000", step: nil, optimizerState: nil, schedulerState: nil))
        let run = Fx.obs(series: [Fx.series(.loss, Fx.loss(100, seed: 1), every: 10)], events: [load])
        #expect(ResumeDetector().detect(Fx.input(run)).isEmpty)
    }
}

@Suite struct CascadeRegressionTests {
    @Test func signalsAfterASlurmCancellationAreCascades() {
        let cancel = Fx.event(.slurmCancel, line: 7, source: "slurm-4242.out", time: Fx.t0,
                              message: "slurmstepd: error: *** JOB 4242 ON node-07 CANCELLED AT 2026-11-03T08:00:00 DUE TO TIME LIMIT ***",
                              detail: .slurm(reason: "TIME LIMIT"))
        let sig = (0..<2).map { (r: Int) in Fx.event(.signal, line: 300, source: "logs/rank\(r).log", time: Fx.t0 + 2, rank: r,
                                         message: "torch.distributed.elastic.agent.server.api: Received Signals.SIGTERM death signal, shutting down workers") }
        let out = CascadeDetector().detect(Fx.input(Fx.obs(events: [cancel] + sig)))
        #expect(out.count == 2 && out.allSatisfy { $0.summary.contains("follows slurm-cancel") })
    }
}
