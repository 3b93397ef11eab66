#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Speed of mining one real file end to end (read, ANSI strip, `\r` frames, mine), for
/// `diagnose bench templates <file>`.
public enum FileBenchmark {
    public struct Result: Sendable, Hashable {
        public var path: String
        public var lines: Int
        public var frames: Int
        public var bytes: Int64
        public var templates: Int
        /// Frames per second of thread CPU time (best pass).
        public var framesPerSecond: Double
        /// Frames per second of wall time (best pass).
        public var framesPerWallSecond: Double
    }

    /// Mines `path` `repetitions` times with fresh miners and keeps the best pass.
    public static func run(path: String, configuration: TemplateMiner.Configuration = .init(),
                           repetitions: Int = 3) throws -> Result {
        var best = Double.infinity
        var bestWall = Double.infinity
        var result = Result(path: path, lines: 0, frames: 0, bytes: 0, templates: 0, framesPerSecond: 0,
                            framesPerWallSecond: 0)
        for _ in 0..<max(1, repetitions) {
            let miner = TemplateMiner(configuration: configuration)
            let cpu0 = clock(CLOCK_THREAD_CPUTIME_ID), wall0 = clock(CLOCK_MONOTONIC)
            let stats = try TemplateFile.mine(path: path, into: miner)
            best = min(best, clock(CLOCK_THREAD_CPUTIME_ID) - cpu0)
            bestWall = min(bestWall, clock(CLOCK_MONOTONIC) - wall0)
            result.lines = stats.lines; result.frames = stats.frames; result.bytes = stats.bytes
            result.templates = miner.templateCount
        }
        result.framesPerSecond = Double(result.frames) / max(best, 1e-9)
        result.framesPerWallSecond = Double(result.frames) / max(bestWall, 1e-9)
        return result
    }

    private static func clock(_ id: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
