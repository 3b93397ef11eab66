import DiagnoseCore
import DiagnoseIndex
import DiagnoseReport

extension Session {
    /// The run's audit trail, in order.
    public func auditEntries(_ runID: String) throws(DiagnoseError) -> [AuditEntry] {
        do {
            return try index.signoffs(run: runID).map {
                AuditEntry(seq: $0.seq, runID: runID, at: $0.at, by: $0.by, rank: $0.rank, cause: $0.cause,
                           verdict: Verdict.Value(rawValue: $0.verdict) ?? .inconclusive, note: $0.note,
                           prevHash: $0.prevHash, hash: $0.hash)
            }
        } catch { throw .index("\(error)") }
    }

    /// Appends a verdict to the run's hash-chained audit trail.
    @discardableResult
    public func appendSignOff(_ runID: String, rank: Int?, cause: String, verdict: Verdict.Value, by: String,
                              note: String?) throws(DiagnoseError) -> AuditEntry {
        let chain = try auditEntries(runID)
        let entry = AuditChain.append(to: chain, runID: runID, at: ISOTime.string(now()), by: by, rank: rank,
                                      cause: cause, verdict: verdict, note: note)
        do {
            try index.appendSignoff(run: runID, SignoffRow(seq: entry.seq, at: entry.at, by: entry.by, rank: entry.rank,
                                                           cause: entry.cause, verdict: entry.verdict.rawValue,
                                                           note: entry.note, prevHash: entry.prevHash, hash: entry.hash))
        } catch { throw .index("\(error)") }
        return entry
    }
}
