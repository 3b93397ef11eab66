import DiagnoseCore

/// One sign-off verdict in the append-only audit trail. The lead stores these in the index;
/// `hash` chains each entry to the one before, so an edit anywhere shows up in `verify`.
public struct AuditEntry: Codable, Sendable, Hashable {
    /// 1-based position in the chain.
    public var seq: Int
    public var runID: String
    /// ISO 8601 UTC.
    public var at: String
    public var by: String
    /// The hypothesis' rank in the report signed off (nil for a run-level verdict such as `healthy`).
    public var rank: Int?
    public var cause: String
    public var verdict: Verdict.Value
    public var note: String?
    /// Hash of the previous entry (`AuditChain.genesis` for the first).
    public var prevHash: String
    /// SHA-256 hex over `AuditChain.canonical(self)`.
    public var hash: String

    public init(seq: Int, runID: String, at: String, by: String, rank: Int?, cause: String, verdict: Verdict.Value,
                note: String?, prevHash: String, hash: String) {
        self.seq = seq; self.runID = runID; self.at = at; self.by = by; self.rank = rank; self.cause = cause
        self.verdict = verdict; self.note = note; self.prevHash = prevHash; self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case seq, at, by, rank, cause, verdict, note, hash
        case runID = "run_id", prevHash = "prev_hash"
    }
}

/// The result of checking a chain.
public struct AuditVerification: Sendable, Hashable {
    public enum Problem: String, Sendable, Hashable {
        case sequenceGap = "sequence-gap"
        case brokenLink = "broken-link"
        case hashMismatch = "hash-mismatch"
    }
    /// Entries checked.
    public var count: Int
    /// Index (0-based) and seq of the first entry that does not match, and why.
    public var firstBadIndex: Int?
    public var firstBadSeq: Int?
    public var problem: Problem?
    public var isValid: Bool { firstBadIndex == nil }

    /// "audit chain intact (3 entries)" or "audit chain broken at seq 2: hash-mismatch".
    public var description: String {
        guard let seq = firstBadSeq, let problem else { return "audit chain intact (\(count) entries)" }
        return "audit chain broken at seq \(seq): \(problem.rawValue)"
    }
}

/// Which verdicts make a report signed off.
public enum SignOffPolicy: Sendable, Hashable {
    /// Signed off when a hypothesis is confirmed (the cause is settled), or when every hypothesis
    /// has a verdict (nothing left unexamined). The default.
    case confirmedOrAllReviewed
    /// Signed off only when every hypothesis has a verdict.
    case everyHypothesis
}

/// Hash-chained sign-off verdicts: append, verify, and the `SignOff` they amount to.
public enum AuditChain {
    /// `prevHash` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The bytes hashed for an entry: a versioned header and every field but `hash`, each as
    /// `name=<utf8 length>:<value>` on its own line, so no two entries share a serialisation.
    public static func canonical(_ e: AuditEntry) -> String {
        func field(_ name: String, _ value: String?) -> String {
            guard let value else { return "\(name)=-\n" }
            return "\(name)=\(value.utf8.count):\(value)\n"
        }
        return "diagnose.audit/v1\n" + field("seq", String(e.seq)) + field("run_id", e.runID) + field("at", e.at)
            + field("by", e.by) + field("rank", e.rank.map(String.init)) + field("cause", e.cause)
            + field("verdict", e.verdict.rawValue) + field("note", e.note) + field("prev_hash", e.prevHash)
    }

    /// The hash an entry should carry.
    public static func hash(_ e: AuditEntry) -> String { SHA256.hex(canonical(e)) }

    /// The next entry for `chain` (not stored; the caller appends and persists it).
    public static func append(to chain: [AuditEntry], runID: String, at: String, by: String, rank: Int?,
                              cause: String, verdict: Verdict.Value, note: String? = nil) -> AuditEntry {
        var e = AuditEntry(seq: (chain.last?.seq ?? 0) + 1, runID: runID, at: at, by: by, rank: rank, cause: cause,
                           verdict: verdict, note: note, prevHash: chain.last?.hash ?? genesis, hash: "")
        e.hash = hash(e)
        return e
    }

    /// Checks sequence numbers, links and hashes in order; names the first entry that fails.
    public static func verify(_ entries: [AuditEntry]) -> AuditVerification {
        var prev = genesis
        for (i, e) in entries.enumerated() {
            let problem: AuditVerification.Problem?
            if e.seq != i + 1 { problem = .sequenceGap }
            else if e.prevHash != prev { problem = .brokenLink }
            else if e.hash != hash(e) { problem = .hashMismatch }
            else { problem = nil }
            if let problem {
                return AuditVerification(count: entries.count, firstBadIndex: i, firstBadSeq: e.seq, problem: problem)
            }
            prev = e.hash
        }
        return AuditVerification(count: entries.count, firstBadIndex: nil, firstBadSeq: nil, problem: nil)
    }

    /// The sign-off a chain amounts to for a report's hypotheses: the latest verdict per
    /// hypothesis (by rank and cause), and `signed-off` by whoever completed it, per `policy`.
    /// A report with no hypotheses is signed off by any verdict (e.g. `healthy` confirmed).
    /// Entries for other runs are ignored; an unverifiable chain yields a draft.
    public static func signOff(from entries: [AuditEntry], runID: String, hypotheses: [Hypothesis],
                               policy: SignOffPolicy = .confirmedOrAllReviewed) -> SignOff {
        guard verify(entries).isValid else { return SignOff() }
        let mine = entries.filter { $0.runID == runID }
        var latest: [String: AuditEntry] = [:]
        var order: [String] = []
        for e in mine {
            let key = "\(e.rank.map(String.init) ?? "-")\u{1F}\(e.cause)"
            if latest[key] == nil { order.append(key) }
            latest[key] = e
        }
        let verdicts = order.compactMap { latest[$0] }.sorted { ($0.rank ?? Int.max, $0.cause) < ($1.rank ?? Int.max, $1.cause) }
            .map { Verdict(rank: $0.rank, cause: $0.cause, verdict: $0.verdict, by: $0.by, at: $0.at, note: $0.note) }
        func verdict(_ h: Hypothesis) -> Verdict? {
            verdicts.first { $0.cause == h.cause && ($0.rank == nil || $0.rank == h.rank) }
        }
        let reviewed = hypotheses.allSatisfy { verdict($0) != nil }
        let confirmed = hypotheses.contains { verdict($0)?.verdict == .confirmed }
        let done: Bool
        if hypotheses.isEmpty { done = !verdicts.isEmpty }
        else {
            switch policy {
            case .confirmedOrAllReviewed: done = confirmed || reviewed
            case .everyHypothesis: done = reviewed
            }
        }
        guard done, let last = mine.last else { return SignOff(state: .draft, verdicts: verdicts) }
        return SignOff(state: .signedOff, by: last.by, at: last.at, verdicts: verdicts)
    }
}
