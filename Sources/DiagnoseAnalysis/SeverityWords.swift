/// How alarming the words of a log template are: 3 for crashes (fatal, killed, out of memory,
/// segfault), 2 for errors (error, exception, failed, timeout, nan, overflow), 1 for warnings
/// (warning, retrying, skipped, invalid, deprecated), 0 otherwise; each further distinct
/// alarming word adds 0.25, up to 0.5.
public enum SeverityWords {
    static let weights: [String: Double] = {
        var w: [String: Double] = [:]
        for word in ["fatal", "panic", "killed", "sigkill", "sigsegv", "sigabrt", "sigbus", "segfault", "segmentation",
                     "abort", "aborted", "aborting", "oom", "crash", "crashed", "xid", "ecc", "unrecoverable"] {
            w[word] = 3
        }
        for word in ["error", "errors", "err", "exception", "traceback", "failed", "failure", "fail", "fails",
                     "timeout", "timeouts", "nan", "inf", "overflow", "overflowed", "corrupt", "corrupted",
                     "denied", "refused", "unreachable", "mismatch", "cannot", "unable", "hang", "hung",
                     "watchdog", "diverged", "cancelled", "canceled", "preempted", "preemption", "terminated",
                     "terminating", "exceeded", "lost"] {
            w[word] = 2
        }
        for word in ["warning", "warn", "warnings", "deprecated", "deprecation", "retry", "retrying", "retries",
                     "skip", "skipping", "skipped", "invalid", "missing", "stalled", "slow", "degraded",
                     "unexpected", "ignored", "ignoring", "fallback", "restart", "restarting"] {
            w[word] = 1
        }
        return w
    }()

    static let phrases: [(String, Double)] = [
        ("out of memory", 3), ("core dumped", 3), ("no space left", 3), ("timed out", 2), ("not found", 1),
        ("non-finite", 2),
    ]

    /// The score of `text` (case-insensitive, whole words).
    public static func score(_ text: String) -> Double {
        let lower = text.lowercased()
        var hits: [Double] = []
        var seen = Set<Substring>()
        for word in lower.split(whereSeparator: { !($0.isLetter) }) where seen.insert(word).inserted {
            if let w = weights[String(word)] { hits.append(w) }
        }
        for (phrase, w) in phrases where lower.contains(phrase) { hits.append(w) }
        guard let top = hits.max() else { return 0 }
        return top + 0.25 * Double(min(hits.count - 1, 2))
    }
}
