import Foundation

/// One stored sign-off entry (the hash chain's logic lives in the report stage).
public struct SignoffRow: Sendable, Equatable {
    public var seq: Int
    public var at: String
    public var by: String
    public var rank: Int?
    public var cause: String
    public var verdict: String
    public var note: String?
    public var prevHash: String
    public var hash: String
    public init(seq: Int, at: String, by: String, rank: Int?, cause: String, verdict: String, note: String?,
                prevHash: String, hash: String) {
        self.seq = seq; self.at = at; self.by = by; self.rank = rank; self.cause = cause; self.verdict = verdict
        self.note = note; self.prevHash = prevHash; self.hash = hash
    }
}

extension EventIndex {
    public func signoffs(run name: String) throws -> [SignoffRow] {
        guard let runID = try runID(named: name) else { return [] }
        return try db.query("""
            SELECT seq, at, by, hypothesis_rank, cause, verdict, note, prev_hash, hash FROM signoffs
            WHERE run_id = ?1 ORDER BY seq
            """, [.int(runID)]).map {
            SignoffRow(seq: Int($0[0].int!), at: $0[1].text ?? "", by: $0[2].text ?? "", rank: $0[3].int.map { Int($0) },
                       cause: $0[4].text ?? "", verdict: $0[5].text ?? "", note: $0[6].text, prevHash: $0[7].text ?? "",
                       hash: $0[8].text ?? "")
        }
    }

    /// Appends one entry (append-only: the table refuses updates and deletes).
    public func appendSignoff(run name: String, _ row: SignoffRow) throws {
        guard let runID = try runID(named: name) else { throw SQLiteError(code: 0, message: "no run \(name)", sql: nil) }
        let st = try db.prepare("""
            INSERT INTO signoffs(run_id, seq, at, by, hypothesis_rank, cause, verdict, note, prev_hash, hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """)
        try st.bind([.int(runID), .int(Int64(row.seq)), .text(row.at), .text(row.by), SQLiteValue(row.rank),
                     .text(row.cause), .text(row.verdict), SQLiteValue(row.note), .text(row.prevHash), .text(row.hash)])
        try st.run()
    }
}
