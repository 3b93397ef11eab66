/// Records are what parsers produce and the index stores: one shape per kind of fact a run
/// leaves behind. Every record knows the 1-based line (as `grep -n` counts) it came from.

/// How bad a log line says it is.
public enum Severity: Int, Codable, Sendable, Comparable, CaseIterable {
    case debug = 0, info = 1, warning = 2, error = 3, fatal = 4

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        case .fatal: "fatal"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "debug", "trace", "d": self = .debug
        case "info", "notice", "i": self = .info
        case "warn", "warning", "w": self = .warning
        case "error", "err", "e": self = .error
        case "fatal", "critical", "crit", "panic", "f", "c": self = .fatal
        default: return nil
        }
    }
}

/// A normalised kind of log event. Open for extension (a struct, not an enum) so a parser can
/// add a kind in its own file, but every kind a playbook may reference is in `EventKind.known`.
public struct EventKind: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }
    public static func < (a: EventKind, b: EventKind) -> Bool { a.rawValue < b.rawValue }

    /// A line no rule understood; it still gets a template.
    public static let generic = EventKind("generic")
    public static let oom = EventKind("oom")
    public static let ncclTimeout = EventKind("nccl-timeout")
    public static let ncclError = EventKind("nccl-error")
    public static let childFailed = EventKind("child-failed")
    public static let traceback = EventKind("traceback")
    public static let xid = EventKind("xid")
    public static let eccError = EventKind("ecc-error")
    public static let slurmCancel = EventKind("slurm-cancel")
    public static let preemption = EventKind("preemption")
    public static let diskFull = EventKind("disk-full")
    public static let checkpointSave = EventKind("checkpoint-save")
    public static let checkpointLoad = EventKind("checkpoint-load")
    public static let resume = EventKind("resume")
    public static let overflowSkip = EventKind("overflow-skip")
    public static let lossScaleMin = EventKind("loss-scale-min")
    public static let nanDetected = EventKind("nan-detected")
    public static let tokenizerError = EventKind("tokenizer-error")
    public static let indexError = EventKind("index-error")
    public static let dataloaderWait = EventKind("dataloader-wait")
    public static let signal = EventKind("signal")
    public static let warningLine = EventKind("warning")
    public static let errorLine = EventKind("error")
    public static let deprecation = EventKind("deprecation")
    public static let cacheStats = EventKind("cache-stats")
    public static let serverConfig = EventKind("server-config")
    public static let evalFailure = EventKind("eval-failure")
    public static let testFailure = EventKind("test-failure")
    public static let trainingStart = EventKind("training-start")
    public static let trainingEnd = EventKind("training-end")

    public static let known: Set<EventKind> = [
        .generic, .oom, .ncclTimeout, .ncclError, .childFailed, .traceback, .xid, .eccError,
        .slurmCancel, .preemption, .diskFull, .checkpointSave, .checkpointLoad, .resume,
        .overflowSkip, .lossScaleMin, .nanDetected, .tokenizerError, .indexError, .dataloaderWait,
        .signal, .warningLine, .errorLine, .deprecation, .cacheStats, .serverConfig, .evalFailure,
        .testFailure, .trainingStart, .trainingEnd,
    ]

    /// Kinds that end or break a run by themselves (used for "first failure" and cascades).
    public static let failures: Set<EventKind> = [
        .oom, .ncclTimeout, .ncclError, .childFailed, .traceback, .xid, .eccError, .slurmCancel,
        .preemption, .diskFull, .lossScaleMin, .tokenizerError, .indexError, .signal,
    ]
}

/// Typed details a failure or checkpoint signature carries. Stored as JSON in the index.
public enum EventDetail: Codable, Sendable, Hashable {
    /// CUDA OOM: bytes it tried to allocate, and the GPU index when printed.
    case oom(triedBytes: Double?, gpu: Int?)
    /// NCCL watchdog: the collective, its sequence number and the timeout in ms.
    case ncclTimeout(op: String?, seqNum: Int?, timeoutMs: Int?)
    /// torchrun ChildFailedError: the first failed rank, its exit code or signal.
    case childFailed(rank: Int?, exitCode: Int?, signal: String?)
    /// A Python traceback: exception type, message and innermost frame ("file:line in fn").
    case traceback(exception: String, message: String, frame: String?)
    /// An NVRM Xid line: the code, its meaning, the PCI bus where printed.
    case xid(code: Int, meaning: String, pci: String?)
    /// A SLURM cancellation: its reason (TIME LIMIT, PREEMPTION, NODE FAILURE, ...).
    case slurm(reason: String)
    /// Checkpoint save/load/resume: the path and step where printed, and what state came with it.
    case checkpoint(path: String?, step: Int?, optimizerState: Bool?, schedulerState: Bool?)
    /// fp16 loss-scale overflow: the attempted scale and the one it fell to.
    case overflow(attempted: Double?, reducedTo: Double?)
    /// A bare exit code or signal.
    case exit(code: Int?, signal: String?)
    /// Free-form key facts for kinds without a dedicated case (kept small).
    case facts([String: String])
}

/// A log line (or a multi-line block such as a traceback) that means something.
public struct LogEvent: Codable, Sendable, Hashable {
    public var line: Int
    public var byteOffset: Int64
    /// Lines the event spans (a traceback spans several). 1 for most.
    public var lineCount: Int
    public var time: Double?
    public var step: Int?
    public var rank: Int?
    public var severity: Severity
    public var kind: EventKind
    /// The payload text (ANSI removed, prefixes kept), capped in length.
    public var message: String
    public var detail: EventDetail?

    public init(line: Int, byteOffset: Int64, lineCount: Int = 1, time: Double? = nil, step: Int? = nil,
                rank: Int? = nil, severity: Severity, kind: EventKind, message: String,
                detail: EventDetail? = nil) {
        self.line = line; self.byteOffset = byteOffset; self.lineCount = lineCount
        self.time = time; self.step = step; self.rank = rank; self.severity = severity
        self.kind = kind; self.message = message; self.detail = detail
    }
}

/// A normalised metric name. Parsers map whatever a framework prints onto these.
public struct MetricName: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }
    public static func < (a: MetricName, b: MetricName) -> Bool { a.rawValue < b.rawValue }

    public static let loss = MetricName("loss")
    public static let evalLoss = MetricName("eval_loss")
    public static let gradNorm = MetricName("grad_norm")
    public static let lr = MetricName("lr")
    public static let lossScale = MetricName("loss_scale")
    public static let stepTimeMs = MetricName("step_time_ms")
    public static let dataTimeMs = MetricName("data_time_ms")
    /// The share of step time spent waiting for data, as printed (torchtitan's
    /// `time_metrics/data_loading(%)`: percent, though some exporters write a fraction).
    public static let dataLoadingPct = MetricName("data_loading_pct")
    public static let tokensPerS = MetricName("tokens_per_s")
    public static let samplesPerS = MetricName("samples_per_s")
    public static let mfu = MetricName("mfu")
    public static let tflops = MetricName("tflops")
    public static let memoryGB = MetricName("memory_gb")
    public static let skippedIters = MetricName("skipped_iters")
    public static let nanIters = MetricName("nan_iters")
    public static let epoch = MetricName("epoch")
    public static let consumedSamples = MetricName("consumed_samples")
    public static let globalBatchSize = MetricName("global_batch_size")
    public static let paramsNorm = MetricName("params_norm")
    /// Serving caches. Counters (`cache_queries`, `cache_hits`) are cumulative as scraped;
    /// `cache_hit_rate` is a ratio in [0, 1] over the parser's natural window.
    public static let cacheHitRate = MetricName("cache_hit_rate")
    public static let cacheQueries = MetricName("cache_queries")
    public static let cacheHits = MetricName("cache_hits")
    public static let kvCacheUsage = MetricName("kv_cache_usage")
    public static let preemptions = MetricName("preemptions")
    public static let evictions = MetricName("evictions")
    public static let runningRequests = MetricName("running_requests")
    public static let waitingRequests = MetricName("waiting_requests")
    public static let promptTokens = MetricName("prompt_tokens")
    public static let cachedTokens = MetricName("cached_tokens")
    public static let throughputTokensPerS = MetricName("gen_tokens_per_s")

    public static let known: Set<MetricName> = [
        .loss, .evalLoss, .gradNorm, .lr, .lossScale, .stepTimeMs, .dataTimeMs, .dataLoadingPct, .tokensPerS,
        .samplesPerS, .mfu, .tflops, .memoryGB, .skippedIters, .nanIters, .epoch, .consumedSamples,
        .globalBatchSize, .paramsNorm, .cacheHitRate, .cacheQueries, .cacheHits, .kvCacheUsage,
        .preemptions, .evictions, .runningRequests, .waitingRequests, .promptTokens, .cachedTokens,
        .throughputTokensPerS,
    ]
}

/// One value of one metric. `label` qualifies a series (a replica, a task, a raw key name
/// for metrics outside the shared vocabulary).
public struct MetricPoint: Codable, Sendable, Hashable {
    public var name: MetricName
    public var value: Double
    public var step: Int?
    public var time: Double?
    public var rank: Int?
    public var label: String?
    public var line: Int

    public init(name: MetricName, value: Double, step: Int? = nil, time: Double? = nil,
                rank: Int? = nil, label: String? = nil, line: Int) {
        self.name = name; self.value = value; self.step = step; self.time = time
        self.rank = rank; self.label = label; self.line = line
    }
}

/// One aggregate eval score (lm-eval `results`, Inspect `results.scores`, a JUnit suite).
public struct EvalScore: Codable, Sendable, Hashable {
    public var task: String
    public var metric: String
    public var filter: String?
    public var value: Double
    public var stderr: Double?
    public var nShot: Int?
    public var samples: Int?
    public var line: Int

    public init(task: String, metric: String, filter: String? = nil, value: Double, stderr: Double? = nil,
                nShot: Int? = nil, samples: Int? = nil, line: Int) {
        self.task = task; self.metric = metric; self.filter = filter; self.value = value
        self.stderr = stderr; self.nShot = nShot; self.samples = samples; self.line = line
    }
}

/// What a generation looked like, so failing samples can be clustered.
public enum GenerationTrait: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case empty
    case truncated            // finish reason "length", or cut mid-answer
    case specialTokens        // special/role tokens leaked into the output
    case ranOn                // continued past the answer (a second question, role turn)
    case extractionInvalid    // filtered answer is invalid/empty while the raw output has an answer
    case stoppedEarly         // ended before any answer
    public static func < (a: GenerationTrait, b: GenerationTrait) -> Bool { a.rawValue < b.rawValue }
}

/// One eval sample (lm-eval `--log_samples`, an Inspect sample, a JUnit test case).
public struct EvalSample: Codable, Sendable, Hashable {
    public var task: String
    public var docID: String
    public var correct: Bool?
    public var traits: [GenerationTrait]
    public var target: String?
    /// The raw response (capped) and the filtered/extracted answer.
    public var response: String?
    public var extracted: String?
    public var finishReason: String?
    public var line: Int

    public init(task: String, docID: String, correct: Bool?, traits: [GenerationTrait] = [], target: String? = nil,
                response: String? = nil, extracted: String? = nil, finishReason: String? = nil, line: Int) {
        self.task = task; self.docID = docID; self.correct = correct; self.traits = traits
        self.target = target; self.response = response; self.extracted = extracted
        self.finishReason = finishReason; self.line = line
    }
}

/// A typed config value. Lists and maps are flattened into dotted keys (`a.b.0`).
public enum ConfigValue: Codable, Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    /// Long text (a chat template, a system prompt, a tool schema) compared as text.
    case text(String)

    public var description: String {
        switch self {
        case .string(let s): s
        case .number(let d): ConfigValue.format(d)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .text(let t): t
        }
    }

    /// Numbers print without a trailing `.0` when integral, so `3e-4` and `0.0003` agree.
    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// One key of a config document.
public struct ConfigEntry: Codable, Sendable, Hashable {
    public var key: String
    public var value: ConfigValue
    public var line: Int?
    /// The key or value looks like a secret; every output redacts it.
    public var secret: Bool

    public init(key: String, value: ConfigValue, line: Int? = nil, secret: Bool = false) {
        self.key = key; self.value = value; self.line = line; self.secret = secret
    }
}

/// What a config document is, so the diff can treat templates as text.
public enum ConfigKind: String, Codable, Sendable, Hashable {
    case training, deepspeed, model, generation, tokenizer, serving, eval, hydra, launcher
    case chatTemplate = "chat-template"
    case promptTemplate = "prompt-template"
    case toolSchema = "tool-schema"
    case other
}

/// Every record kind a parser can emit.
public enum Record: Sendable {
    case event(LogEvent)
    case metric(MetricPoint)
    case evalScore(EvalScore)
    case evalSample(EvalSample)
    /// A config entry; `document` names the logical document inside the file ("" for the file itself,
    /// "megatron-args" for a printed arguments block).
    case config(document: String, kind: ConfigKind, entry: ConfigEntry)
    /// A line the parser claimed but could not understand (counted as unparsed).
    case unparsed(line: Int)
    /// A non-fatal problem with the file (malformed JSON at a line, truncated results, ...).
    case problem(line: Int?, message: String)
}
