import DiagnoseCore
import DiagnoseText
import Testing
@testable import DiagnoseIngest

/// Typed details of failure signatures (what the registry examples cannot check).
enum TextRun {
    static func parse(_ text: String, path: String = "logs/train.log") throws -> RecordSink {
        try parse(Array(text.utf8), path: path)
    }

    static func parse(_ bytes: [UInt8], path: String = "logs/train.log", maxLineBytes: Int = 1 << 20) throws -> RecordSink {
        let dir = ExampleRunner.tempDir()
        let abs = try ExampleRunner.write(bytes, dir: dir, path: path)
        return try ExampleRunner.parse(TextLogParser(), abs: abs, path: path, maxLineBytes: maxLineBytes)
    }
}

@Suite struct FailureDetailTests {
    @Test func oomTriedBytesAndGPU() throws {
        let sink = try TextRun.parse("""
            torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 1 has a total capacity of 79.10 GiB of which 1.50 GiB is free.
            RuntimeError: CUDA out of memory. Tried to allocate 12.50 MiB (GPU 0; 10.92 GiB total capacity; 8.57 MiB already allocated; 9.28 GiB free; 4.68 MiB cached)
            RuntimeError: CUDA error: out of memory
            """)
        let details = sink.events.filter { $0.kind == .oom }.map(\.detail)
        let gib: Double = 1024 * 1024 * 1024
        let mib: Double = 1024 * 1024
        let expected: [EventDetail?] = [.oom(triedBytes: 2 * gib, gpu: 1), .oom(triedBytes: 12.5 * mib, gpu: 0),
                                        .oom(triedBytes: nil, gpu: nil)]
        #expect(details == expected)
    }

    @Test func ncclTimeoutDetail() throws {
        let sink = try TextRun.parse("""
            [rank0]:[E1206 18:44:12.715298746 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=7753, OpType=_REDUCE_SCATTER_BASE, NumelIn=544997376, NumelOut=68124672, Timeout(ms)=600000) ran for 600061 milliseconds before timing out.
            """)
        let e = try #require(sink.events.first)
        #expect(e.kind == .ncclTimeout)
        #expect(e.detail == .ncclTimeout(op: "_REDUCE_SCATTER_BASE", seqNum: 7753, timeoutMs: 600000))
        #expect(e.severity == .error)
        #expect(e.rank == 0)
    }

    @Test func childFailedRootCauseSignal() throws {
        let sink = try TextRun.parse("""
            torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
            ============================================================
            train.py FAILED
            ------------------------------------------------------------
            Failures:
            [1]:
              time      : 2023-09-04_10:10:23
              host      : ubuntu
              rank      : 1 (local_rank: 1)
              exitcode  : 1 (pid: 3669031)
              error_file: <N/A>
              traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
            ------------------------------------------------------------
            Root Cause (first observed failure):
            [0]:
              time      : 2023-09-04_10:10:20
              host      : ubuntu
              rank      : 0 (local_rank: 0)
              exitcode  : -6 (pid: 3669030)
              error_file: <N/A>
              traceback : Signal 6 (SIGABRT) received by PID 3669030
            ============================================================
            """)
        let e = try #require(sink.events.first { $0.kind == .childFailed })
        #expect(e.detail == .childFailed(rank: 0, exitCode: -6, signal: "SIGABRT"))
        #expect(e.lineCount == 22)
        #expect(e.line == 1)
        #expect(sink.genericLines == 0)
    }

    @Test func childFailedOldLayoutRootCauseFirst() throws {
        let sink = try TextRun.parse("""
            torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
            ************************************************************
            ============================================================
            Root Cause:
            [0]:
              time: 2021-08-01_10:00:00
              rank: 2 (local_rank: 2)
              exitcode: -9 (pid: 77)
              error_file: <N/A>
              msg: "Signal 9 (SIGKILL) received by PID 77"
            ============================================================
            Other Failures:
              <NO_OTHER_FAILURES>
            ************************************************************
            """)
        let e = try #require(sink.events.first { $0.kind == .childFailed })
        #expect(e.detail == .childFailed(rank: 2, exitCode: -9, signal: "SIGKILL"))
    }

    @Test func tracebackDetailAndSpan() throws {
        let sink = try TextRun.parse("""
            [rank2]: Traceback (most recent call last):
            [rank2]:   File "/w/train.py", line 12, in <module>
            [rank2]:     main()
            [rank2]:   File "/w/model.py", line 40, in forward
            [rank2]:     return self.embed(ids)
            [rank2]: IndexError: index out of range in self
            [rank2]: next
            """)
        let tb = try #require(sink.events.first { $0.kind == .traceback })
        #expect(tb.detail == .traceback(exception: "IndexError", message: "index out of range in self", frame: "/w/model.py:40 in forward"))
        #expect(tb.lineCount == 6)
        #expect(tb.rank == 2)
        #expect(sink.events.contains { $0.kind == .indexError && $0.line == 6 })
    }

    @Test func tracebackCutOffAtEndOfFile() throws {
        let sink = try TextRun.parse("Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()")
        let tb = try #require(sink.events.first { $0.kind == .traceback })
        #expect(tb.lineCount == 3)
        if case .traceback(let exc, let msg, let frame) = tb.detail {
            #expect(exc == "")
            #expect(msg.contains("cut off"))
            #expect(frame == "a.py:1 in f")
        } else { Issue.record("no traceback detail") }
    }

    @Test func xidMeaning() throws {
        let sink = try TextRun.parse("[ 1843.308145] NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, name=python, GPU has fallen off the bus.\n",
                                     path: "kernel/dmesg.log")
        #expect(sink.events.first?.detail == .xid(code: 79, meaning: "GPU has fallen off the bus", pci: "0000:3b:00"))
        #expect(XidCodes.meaning(48).contains("ECC"))
        #expect(XidCodes.hardware.contains(79))
        #expect(!XidCodes.hardware.contains(13))
    }

    @Test func slurmReasons() throws {
        let sink = try TextRun.parse("""
            slurmstepd: error: *** JOB 78 ON gpu-4 CANCELLED AT 2025-01-01T00:00:00 DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***
            slurmstepd: *** JOB 830329 CANCELLED AT 2018-08-06T17:21:44 DUE TO TIME LIMIT on n447 ***
            slurmstepd: error: *** JOB 77 ON gpu-3 CANCELLED AT 2025-01-01T00:00:00 DUE TO PREEMPTION ***
            """, path: "slurm-1.out")
        #expect(sink.events.map(\.detail) == [.slurm(reason: "NODE FAILURE"), .slurm(reason: "TIME LIMIT"), .slurm(reason: "PREEMPTION")])
        #expect(sink.events.map(\.kind) == [.slurmCancel, .slurmCancel, .preemption])
    }

    @Test func checkpointStateFlags() throws {
        let sink = try TextRun.parse("""
            Resuming training from checkpoint-1200 (optimizer state not found, scheduler state not found)
            Loading checkpoint from /ckpt/iter_0001200, skipping loading optimizer
            Loading optimizer state from /ckpt/checkpoint-800/optimizer.pt
            Saving model checkpoint to out/checkpoint-1400
            """)
        let d = sink.events.map(\.detail)
        #expect(d[0] == .checkpoint(path: nil, step: 1200, optimizerState: false, schedulerState: false))
        #expect(d[1] == .checkpoint(path: "/ckpt/iter_0001200", step: 1200, optimizerState: false, schedulerState: nil))
        #expect(d[2] == .checkpoint(path: "/ckpt/checkpoint-800/optimizer.pt", step: 800, optimizerState: true, schedulerState: nil))
        #expect(d[3] == .checkpoint(path: "out/checkpoint-1400", step: 1400, optimizerState: nil, schedulerState: nil))
        #expect(sink.events.map(\.kind) == [.resume, .checkpointLoad, .checkpointLoad, .checkpointSave])
    }

    @Test func deepSpeedOverflowDetail() throws {
        let sink = try TextRun.parse("""
            [2023-10-31 07:15:50,880] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 16384, reducing to 8192
            """)
        let e = try #require(sink.events.first)
        #expect(e.detail == .overflow(attempted: 16384, reducedTo: 8192))
        #expect(e.time == Timestamps.parse("2023-10-31 07:15:50,880"))
    }

    @Test func megatronArgumentsWithRankPrefixAndLongName() throws {
        let sink = try TextRun.parse("""
            0: ------------------------ arguments ------------------------
            0:   a_name_that_is_longer_than_forty_eight_characters_x  7
            0:   fp16 ............................................ True
            0:   lr_decay_style .................................. cosine
            0: -------------------- end of arguments ---------------------
            """)
        #expect(sink.configs.count == 3)
        #expect(sink.configs.contains { $0.entry.key == "a_name_that_is_longer_than_forty_eight_characters_x" && $0.entry.value == .number(7) })
        #expect(sink.configs.contains { $0.entry.key == "lr_decay_style" && $0.entry.value == .string("cosine") && $0.entry.line == 4 })
    }

    @Test func hfStepIsLogIndexAndDoesNotMoveFileStep() throws {
        let sink = try TextRun.parse("""
            {'loss': 1.0, 'learning_rate': 1e-05, 'epoch': 0.1}
            {'loss': 0.9, 'learning_rate': 2e-05, 'epoch': 0.2}
            Saving model checkpoint to out/checkpoint-20
            {'loss': 0.8, 'learning_rate': 3e-05, 'epoch': 0.3}
            """)
        #expect(sink.metrics.filter { $0.name == .loss }.map(\.step) == [1, 2, 3])
        #expect(sink.events.first?.step == 20)
    }
}
