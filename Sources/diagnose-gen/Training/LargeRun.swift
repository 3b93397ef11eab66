import Foundation

/// A large multi-rank run for the ingest/performance benchmark: one real loss trajectory, rendered
/// per rank in a mix of formats with noise, streamed to disk through a buffered writer.
enum LargeRun {
    /// Buffered file output; flushes in 1 MiB chunks.
    final class Sink {
        let handle: FileHandle
        var buffer: [UInt8] = []
        private(set) var bytes = 0

        init(url: URL) throws {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            handle = try FileHandle(forWritingTo: url)
            buffer.reserveCapacity(1 << 20)
        }
        func write(_ s: String) {
            buffer.append(contentsOf: s.utf8)
            if buffer.count >= 1 << 20 { flush() }
        }
        func flush() {
            bytes += buffer.count
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
        func close() throws { flush(); try handle.close() }
    }

    /// Writes `<out>/<run-id>/` with `logs/rank<N>.log` for every rank, configs and run.yaml.
    static func write(to out: URL, ranks: Int, steps: Int, seed: UInt64) throws {
        let runId = "pt-70b-\(String(format: "%04d", Int(seed % 10_000)))"
        let dir = out.appendingPathComponent(runId)
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("logs"), withIntermediateDirectories: true)
        var setup = TrainSetup()
        setup.seed = seed
        setup.steps = max(1, steps)
        setup.microBatch = 8
        setup.accum = 1
        setup.warmup = min(200, steps / 10)
        setup.evalEvery = max(50, steps / 20)
        let recs = TinyTrainer.run(setup).records
        try "started_at: 2026-11-02T06:00:00Z\nowner: pretrain-team\ntags: [pretrain, 70b, bench]\n"
            .write(to: dir.appendingPathComponent("run.yaml"), atomically: true, encoding: .utf8)
        var d = RunDraft(runId: runId, framework: .megatron, setup: setup, opts: RenderOptions(framework: .megatron))
        d.opts.worldSize = ranks
        try RunWriter.jsonObject(RunWriter.configPairs(d)).write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)

        var total = 0
        for rank in 0..<ranks {
            let sink = try Sink(url: dir.appendingPathComponent("logs/rank\(rank).log"))
            var clock = SimClock(epoch: 1_793_599_200 + Double(rank % 7) * 0.013)
            var rng = SeededRNG(seed: seed &+ UInt64(rank) &* 977)
            let host = "gpu-h\(String(format: "%03d", rank / 8 + 1))"
            let style = rank % 4
            for l in Signatures.ncclInfoBoot(host: host, pid: 30_000 + rank, dev: rank % 8, rank: rank, nranks: ranks) { sink.write(l + "\n") }
            for l in Signatures.startupWarnings(rank) { sink.write("[rank\(rank)]:" + l + "\n") }
            var o = RenderOptions(framework: .titan)
            o.worldSize = ranks
            o.globalBatch = 8 * ranks
            o.paramsB = 70
            var lastFrame = 0
            for r in recs {
                let ms = 2900 * (1 + 0.02 * (Double.random(in: -1...1, using: &rng)))
                clock.advance(ms: ms)
                switch style {
                case 0:
                    sink.write(" [\(clock.micro)] iteration \(pad(r.step, 8))/\(pad(steps, 8)) | consumed samples: \(pad(r.step * o.globalBatch, 12)) | elapsed time per iteration (ms): \(Py.f(ms, 1)) | learning rate: \(Py.E(r.lr, 6)) | global batch size: \(pad(o.globalBatch, 5)) | lm loss: \(Py.E(r.loss, 6)) | loss scale: 1.0 | grad norm: \(Py.f(r.gradNorm, 3)) | number of skipped iterations:   0 | number of nan iterations:   0 |\n")
                case 1:
                    sink.write("\r" + FrameworkRender.tqdmBar(r.step, steps, elapsed: Double(r.step) * ms / 1000, rate: ms / 1000))
                    if r.step - lastFrame >= 1 {
                        lastFrame = r.step
                        sink.write("{'loss': \(Py.repr((r.loss * 10000).rounded() / 10000)), 'grad_norm': \(Py.repr(r.gradNorm)), 'learning_rate': \(Py.repr(r.lr)), 'epoch': \(Py.repr((r.epoch * 100).rounded() / 100))}\n")
                    }
                case 2:
                    sink.write(FrameworkRender.titanPrefix(clock) + FrameworkRender.titanMetric(r, loss: r.loss, o: o, ms: ms) + "\n")
                default:
                    sink.write("iter \(r.step): loss \(Py.f(r.loss, 4)), time \(Py.f(ms, 2))ms, mfu \(Py.f(r.step < 5 ? -100 : 41.7 + Double.random(in: -0.5...0.5, using: &rng), 2))%\n")
                }
                if style % 2 == 1 {
                    sink.write("[\(clock.asctime)] [INFO] [timer.py:264:stop] epoch=0/micro_step=\(r.step)/global_step=\(r.step), RunningAvgSamplesPerSec=\(Py.f(8000 / ms, 6)), CurrSamplesPerSec=\(Py.f(8000 / ms * 1.01, 6)), MemAllocated=31.4GB, MaxMemAllocated=62.87GB\n")
                }
                if r.step % 100 == 0 {
                    sink.write("\(host):\(30_000 + rank):\(30_112 + rank) [\(rank % 8)] NCCL INFO Channel 0\(r.step % 8)/32 : 0[\(rank % 8)] -> 1[\(rank % 8 + 1)] via P2P/CUMEM\n")
                }
                if r.step % 1000 == 0 {
                    sink.write("[rank\(rank)]:[W\(clock.glog("").dropFirst()) ProcessGroupNCCL.cpp:4561] [PG ID 0 PG GUID 0 Rank \(rank)]  using GPU \(rank % 8) to perform barrier as devices used by this process are currently unknown.\n")
                    sink.write("saving checkpoint at iteration \(pad(r.step, 7)) to /checkpoints/\(runId) in torch_dist format\n")
                }
            }
            sink.write("\n")
            try sink.close()
            total += sink.bytes
        }
        FileHandle.standardError.write(Data("wrote \(ranks) rank logs (\(total / 1_048_576) MiB) to \(dir.path)\n".utf8))
    }

    static func pad(_ n: Int, _ w: Int) -> String {
        let s = String(n)
        return s.count >= w ? s : String(repeating: " ", count: w - s.count) + s
    }
}
