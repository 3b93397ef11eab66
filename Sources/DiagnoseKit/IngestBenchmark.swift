#if canImport(Glibc)
import Glibc
#endif
import DiagnoseCore
import DiagnoseIndex
import Foundation

/// `diagnose bench ingest`: generates training-log-like text, ingests it into a fresh index and
/// measures lines/s, MB/s and peak RSS, beside `grep -c` over the same files in the same run.
public enum IngestBenchmark {
    public struct Result: Sendable {
        public var lines: Int
        public var bytes: Int64
        public var mix: Mix
        public var seconds: Double
        /// CPU time (user + system) the ingest used, all threads.
        public var cpuSeconds: Double
        public var grepSeconds: Double
        public var peakRSSMB: Double
        public var counts: [String: Int]

        public var linesPerSecond: Double { Double(lines) / max(seconds, 1e-9) }
        public var mbPerSecond: Double { Double(bytes) / 1e6 / max(seconds, 1e-9) }
        public var table: String {
            let cpu = max(cpuSeconds, 1e-9)
            var s = "ingest benchmark (\(mix.rawValue) mix, \(lines) lines, \(String(format: "%.1f", Double(bytes) / 1e6)) MB)\n"
            s += String(format: "  diagnose ingest (wall): %.2f s  %.0f lines/s  %.1f MB/s\n", seconds, linesPerSecond, mbPerSecond)
            s += String(format: "  diagnose ingest (CPU):  %.2f s  %.0f lines/CPU-s  %.1f MB/CPU-s\n",
                        cpuSeconds, Double(lines) / cpu, Double(bytes) / 1e6 / cpu)
            s += String(format: "  grep -c (wall):         %.2f s  %.0f lines/s  (diagnose/grep time ratio %.1fx)\n",
                        grepSeconds, Double(lines) / max(grepSeconds, 1e-9), seconds / max(grepSeconds, 1e-9))
            s += String(format: "  peak RSS:               %.0f MB\n", peakRSSMB)
            s += "  stored: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return s
        }
    }

    public static func run(lines: Int, files: Int, dir: String?, mix: Mix = .realistic) throws(DiagnoseError) -> Result {
        let fm = FileManager.default
        let root = dir ?? (NSTemporaryDirectory() + "diagnose-bench-\(getpid())")
        let runs = root + "/runs"
        let run = runs + "/bench-run"
        do {
            try? fm.removeItem(atPath: runs)
            try fm.createDirectory(atPath: run + "/logs", withIntermediateDirectories: true)
        } catch { throw .unreadable("cannot create \(run): \(error)") }
        defer { if dir == nil { try? fm.removeItem(atPath: root) } }
        var bytes: Int64 = 0
        let perFile = max(1, lines / max(1, files))
        var paths: [String] = []
        for f in 0..<max(1, files) {
            let path = run + "/logs/rank\(f).log"
            paths.append(path)
            bytes += write(path: path, rank: f, lines: perFile, mix: mix)
        }
        let grepStart = Date()
        let grep = Process()
        grep.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Piped, not redirected: GNU grep stops at the first match when its output is /dev/null.
        grep.arguments = ["-c", "grep -c iteration " + paths.joined(separator: " ") + " | cat > /dev/null"]
        try? grep.run()
        grep.waitUntilExit()
        let grepSeconds = Date().timeIntervalSince(grepStart)

        let index: EventIndex
        do { index = try EventIndex(path: root + "/index.sqlite") } catch { throw .index("\(error)") }
        let cpuStart = cpuTime()
        let start = Date()
        do { try Ingestor(index: index).ingest(run: "bench-run", folder: run) } catch { throw .index("\(error)") }
        let seconds = Date().timeIntervalSince(start)
        let cpuSeconds = cpuTime() - cpuStart
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let counts = (try? index.counts(run: "bench-run")) ?? [:]
        return Result(lines: perFile * max(1, files), bytes: bytes, mix: mix, seconds: seconds, cpuSeconds: cpuSeconds,
                      grepSeconds: grepSeconds,
                      peakRSSMB: Double(usage.ru_maxrss) / 1024, counts: counts)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuTime() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// What the generated log holds.
    public enum Mix: String, Sendable, CaseIterable {
        /// What long training logs mostly hold: about 10% metric lines (HF dicts, Megatron
        /// iteration lines, DeepSpeed step reports), NCCL INFO and logger INFO lines, ~1% warnings,
        /// progress-bar frames.
        case realistic
        /// Metric-dense: 30% Megatron iteration lines, 25% DeepSpeed step reports, 30% NCCL INFO,
        /// 10% progress bars, 5% warnings.
        case heavy
    }

    /// Writes `lines` lines of a mixed training log, streaming.
    static func write(path: String, rank: Int, lines: Int, mix: Mix) -> Int64 {
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { return 0 }
        defer { try? out.close() }
        var buf = ""
        buf.reserveCapacity(1 << 20)
        var total: Int64 = 0
        var state: UInt64 = 0x9E3779B97F4A7C15 &+ UInt64(rank)
        func rnd() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var step = 0
        for i in 0..<lines {
            let r = rnd() % 100
            let ts = String(format: "2026-11-03 08:%02d:%02d", (i / 60) % 60, i % 60)
            let kind: LineKind
            switch mix {
            case .heavy:
                kind = r < 30 ? .megatron : r < 60 ? .nccl : r < 85 ? .deepspeedStep : r < 95 ? .progress : .warning
            case .realistic:
                kind = r < 4 ? .megatron : r < 7 ? .hfDict : r < 10 ? .deepspeedStep : r < 50 ? .nccl
                    : r < 80 ? .loggerInfo : r < 89 ? .progress : r < 90 ? .warning : .loggerInfo2
            }
            switch kind {
            case .megatron:
                step += 1
                let loss = 2.5 + Double(rnd() % 1000) / 1000
                buf += " [\(ts)] iteration \(String(format: "%8d", step))/  100000 | consumed samples: \(String(format: "%12d", step * 512)) | elapsed time per iteration (ms): \(String(format: "%.1f", 900 + Double(rnd() % 200))) | learning rate: \(String(format: "%.6E", 3e-4)) | global batch size:   512 | lm loss: \(String(format: "%.6E", loss)) | loss scale: 1.0 | grad norm: \(String(format: "%.3f", 0.5 + Double(rnd() % 100) / 100)) | number of skipped iterations:   0 | number of nan iterations:   0 |\n"
            case .hfDict:
                step += 1
                buf += "{'loss': \(String(format: "%.4f", 1.5 + Double(rnd() % 1000) / 1000)), 'grad_norm': \(String(format: "%.4f", 0.5 + Double(rnd() % 100) / 100)), 'learning_rate': \(String(format: "%.16g", 1e-4 * (1 - Double(step) / 1e6))), 'epoch': \(String(format: "%.2f", Double(step) / 1000))}\n"
            case .nccl:
                buf += "[rank\(rank)]:node\(rank / 8):\(1000 + rank):\(2000 + Int(rnd() % 50)) [\(rank % 8)] NCCL INFO Channel \(String(format: "%02d", Int(rnd() % 32)))/0 : \(rank) -> \((rank + 1) % 8) via P2P/IPC/read\n"
            case .deepspeedStep:
                buf += "[\(ts),\(String(format: "%03d", Int(rnd() % 1000)))] [INFO] [logging.py:96:log_dist] [Rank \(rank)] step=\(step), skipped=0, lr=[0.0003], mom=[(0.9, 0.95)]\n"
            case .loggerInfo:
                buf += "[\(ts),\(String(format: "%03d", Int(rnd() % 1000)))] [INFO] [engine.py:\(100 + Int(rnd() % 900)):_configure] [Rank \(rank)] bucket \(rnd() % 64) of \(rnd() % 4096) params reduced in \(String(format: "%.2f", Double(rnd() % 10000) / 100)) ms\n"
            case .loggerInfo2:
                buf += "\(ts),\(String(format: "%03d", Int(rnd() % 1000))) - INFO - data.loader - shard \(rnd() % 512) opened: /data/train/part-\(String(format: "%05d", Int(rnd() % 100000))).jsonl (\(rnd() % 100000) samples)\n"
            case .progress:
                buf += "\(String(format: "%3d", Int(rnd() % 100)))%|███▍      | \(rnd() % 1000)/1000 [00:\(String(format: "%02d", Int(rnd() % 60)))<01:10, 3.52s/it]\r\(String(format: "%3d", Int(rnd() % 100)))%|████▍     | \(rnd() % 1000)/1000 [00:21<01:09, 3.51s/it]\n"
            case .warning:
                buf += "/usr/lib/python3/site-packages/torch/utils/data/dataloader.py:\(500 + Int(rnd() % 100)): UserWarning: This DataLoader will create \(rnd() % 16) worker processes in total.\n"
            }
            if buf.utf8.count > (1 << 20) - 4096 {
                let d = Data(buf.utf8)
                out.write(d)
                total += Int64(d.count)
                buf.removeAll(keepingCapacity: true)
            }
        }
        let d = Data(buf.utf8)
        out.write(d)
        total += Int64(d.count)
        return total
    }

    private enum LineKind { case megatron, hfDict, deepspeedStep, nccl, loggerInfo, loggerInfo2, progress, warning }
}
