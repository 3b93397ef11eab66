#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Grouping accuracy and speed of `TemplateMiner` on Loghub-2k (16 system logs of 2,000
/// labelled lines each; Zhu et al., ICSE-SEIP 2019).
///
/// Input is the `Content` column of each `<X>_2k.log_structured.csv`, i.e. the message with
/// the per-dataset header (time, level, component) already removed, as the Loghub benchmark
/// feeds its parsers. There is no per-dataset tuning: every dataset is mined with one default
/// `TemplateMiner.Configuration` and the same masking; `LoghubDatasets.names` is the only table
/// keyed by dataset.
///
/// Grouping accuracy (GA): a line counts as parsed correctly when the set of lines that share
/// its mined template equals the set that share its ground-truth `EventId`; GA is the share of
/// such lines. Speed is lines per second of thread CPU time spent in `add` over the contents
/// already in memory (best of `repetitions` passes, each with a fresh miner, single thread);
/// CPU time rather than wall time because the machines this runs on are shared.
///
/// Measured 2026-11-21 (`swift build -c release` objects; x86_64, 2 cores shared with other
/// builds), default configuration, GA per dataset on `Content`: Android 0.935, Apache 1.000,
/// BGL 0.989, HDFS 0.998, HPC 0.951, Hadoop 0.993, HealthApp 0.983, Linux 0.694, Mac 0.961,
/// OpenSSH 0.999, OpenStack 1.000, Proxifier 0.527, Spark 0.998, Thunderbird 0.939,
/// Windows 0.996, Zookeeper 0.995; average 0.935 at 4.0 to 4.4 million lines per CPU-second
/// overall (1.6 M on Mac, the slowest; 7 to 15 M on Apache; the spread is the shared machine's).
/// On raw lines with their headers the average is 0.818 at about 2.0 M lines/s (0.5 M on
/// OpenStack, whose lines are long and all distinct).
/// Anchors: Drain averages about 0.85 GA on `Content` at about 10,000 lines/s in Python; Drain3
/// 0.9.11 (pip, default settings) measured here gave 0.732 (0.767 with its example masking) at
/// 212,000 (47,000) lines per CPU-second, and 0.475 (0.265) on raw lines.
///
/// The misses that remain are mostly variable-length messages (Proxifier's optional
/// `(<*> KB)`), and labels that split one message by a value (Linux splits `user=root` from
/// `user=guest`, which this miner treats as one `key=value` template).
public enum LoghubBenchmark {
    /// One dataset's outcome.
    public struct Result: Sendable, Hashable {
        public var dataset: String
        public var lines: Int
        public var truthTemplates: Int
        public var minedTemplates: Int
        /// Grouping accuracy in [0, 1].
        public var groupingAccuracy: Double
        public var linesPerSecond: Double
        public init(dataset: String, lines: Int, truthTemplates: Int, minedTemplates: Int, groupingAccuracy: Double,
                    linesPerSecond: Double) {
            self.dataset = dataset; self.lines = lines; self.truthTemplates = truthTemplates
            self.minedTemplates = minedTemplates; self.groupingAccuracy = groupingAccuracy
            self.linesPerSecond = linesPerSecond
        }
    }

    /// What is mined: the `Content` column (headers removed, as the Loghub benchmark does), or
    /// the raw lines of `<X>_2k.log` with their headers (timestamps, levels, components), which
    /// is closer to what `diagnose` sees when no prefix is peeled.
    public enum Input: String, Sendable, Hashable, CaseIterable {
        case content
        case rawLines = "raw"
    }

    /// Why a dataset could not be benchmarked.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case cannotRead(path: String)
        case missingColumn(path: String, column: String)
        case empty(path: String)
        case lineCountMismatch(path: String, lines: Int, labelled: Int)

        public var description: String {
            switch self {
            case .cannotRead(let p): "cannot read \(p)"
            case .missingColumn(let p, let c): "\(p) has no \(c) column"
            case .empty(let p): "\(p) has no data rows"
            case .lineCountMismatch(let p, let n, let l): "\(p) has \(n) lines but \(l) labelled rows"
            }
        }
    }

    /// Runs every dataset under `datasetRoot` (the folder holding `HDFS/`, `Apache/`, ...);
    /// `datasets` narrows the list.
    public static func run(datasetRoot: String, datasets: [String] = LoghubDatasets.names,
                           input: Input = .content, configuration: TemplateMiner.Configuration = .init(),
                           repetitions: Int = 5) throws -> [Result] {
        try datasets.map { try run(dataset: $0, datasetRoot: datasetRoot, input: input, configuration: configuration,
                                   repetitions: repetitions) }
    }

    /// The mean grouping accuracy and the overall lines per second of `results`.
    public static func average(_ results: [Result]) -> (groupingAccuracy: Double, linesPerSecond: Double) {
        guard !results.isEmpty else { return (0, 0) }
        let ga = results.map(\.groupingAccuracy).reduce(0, +) / Double(results.count)
        let lines = Double(results.map(\.lines).reduce(0, +))
        let seconds = results.map { Double($0.lines) / max($0.linesPerSecond, 1e-9) }.reduce(0, +)
        return (ga, seconds > 0 ? lines / seconds : 0)
    }

    /// One dataset: `<root>/<name>/<name>_2k.log_structured.csv`.
    public static func run(dataset: String, datasetRoot: String, input: Input = .content,
                           configuration: TemplateMiner.Configuration = .init(), repetitions: Int = 5) throws -> Result {
        let path = "\(datasetRoot)/\(dataset)/\(dataset)_2k.log_structured.csv"
        var table = try LabelledLines.load(path: path)
        if input == .rawLines { try table.replaceContents(withLinesOf: "\(datasetRoot)/\(dataset)/\(dataset)_2k.log") }
        var predicted: [Int32] = []
        var minedCount = 0
        var best = Double.infinity
        for _ in 0..<max(1, repetitions) {
            let miner = TemplateMiner(configuration: configuration)
            var ids = [Int32](repeating: 0, count: table.count)
            let start = monotonicSeconds()
            table.contents.withUnsafeBytes { all in
                for i in 0..<table.count {
                    let s = table.starts[i], e = table.starts[i + 1]
                    ids[i] = miner.add(UnsafeRawBufferPointer(rebasing: all[s..<e]))
                }
            }
            best = min(best, monotonicSeconds() - start)
            predicted = ids.map { miner.canonicalID($0) }
            minedCount = miner.templateCount
        }
        return Result(dataset: dataset, lines: table.count, truthTemplates: Set(table.truth).count,
                      minedTemplates: minedCount,
                      groupingAccuracy: groupingAccuracy(predicted: predicted, truth: table.truth),
                      linesPerSecond: Double(table.count) / max(best, 1e-9))
    }

    /// Share of lines whose predicted group equals their true group (Loghub's definition).
    public static func groupingAccuracy<P: Hashable, T: Hashable>(predicted: [P], truth: [T]) -> Double {
        precondition(predicted.count == truth.count)
        guard !truth.isEmpty else { return 0 }
        var truthSize: [T: Int] = [:]
        for t in truth { truthSize[t, default: 0] += 1 }
        var groups: [P: (truth: T, size: Int, pure: Bool)] = [:]
        for (p, t) in zip(predicted, truth) {
            if var g = groups[p] {
                g.size += 1
                if g.truth != t { g.pure = false }
                groups[p] = g
            } else {
                groups[p] = (t, 1, true)
            }
        }
        var correct = 0
        for g in groups.values where g.pure && truthSize[g.truth] == g.size { correct += g.size }
        return Double(correct) / Double(truth.count)
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// The Loghub-2k datasets, by folder name. The only table keyed by dataset.
public enum LoghubDatasets {
    public static let names = [
        "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux", "Mac", "OpenSSH", "OpenStack",
        "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
    ]
}
