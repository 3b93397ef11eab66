import DiagnoseCore
import DiagnoseIndex

extension Session {
    public func runs() throws(DiagnoseError) -> [RunSummary] {
        do { return try index.runs() } catch { throw .index("\(error)") }
    }

    /// Searches an ingested run (ingesting it first so results are current).
    public func search(_ runID: String, query: String, limit: Int) throws(DiagnoseError) -> [SearchHit] {
        try ingest(runID)
        do { return try index.search(run: runID, query: query, limit: limit) } catch { throw .index("\(error)") }
    }
}

extension Session {
    /// Stored row counts of a run.
    public func counts(_ runID: String) throws(DiagnoseError) -> [String: Int] {
        do { return try index.counts(run: runID) } catch { throw .index("\(error)") }
    }
}
