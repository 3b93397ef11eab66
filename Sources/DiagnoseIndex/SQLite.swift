import CSQLite
import Foundation

/// An error from SQLite, with the statement it came from.
public struct SQLiteError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let sql: String?
    public var description: String {
        sql.map { "sqlite error \(code): \(message) (in: \($0.prefix(120)))" } ?? "sqlite error \(code): \(message)"
    }
}

private let SQLITE_TRANSIENT_PTR = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A thin, owned SQLite connection. Not thread-safe: one connection per thread.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String

    public init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(msg): \(path)", sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, sql: sql)
        }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement { try SQLiteStatement(db: self, sql: sql) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE), committing on success, rolling back on error.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try execute("COMMIT")
            return r
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Convenience: all rows of a query as arrays of values.
    public func query(_ sql: String, _ args: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let st = try prepare(sql)
        try st.bind(args)
        var rows: [[SQLiteValue]] = []
        while try st.step() { rows.append((0..<st.columnCount).map { st.value($0) }) }
        return rows
    }

    public func scalarInt(_ sql: String, _ args: [SQLiteValue] = []) throws -> Int64? {
        try query(sql, args).first?.first?.int
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// A value for binding or reading.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? {
        switch self {
        case .int(let v): v
        case .double(let d): Int64(exactly: d.rounded()) ?? nil
        default: nil
        }
    }
    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let d): d
        default: nil
        }
    }
    public var text: String? { if case .text(let s) = self { return s }; return nil }
    public var blob: [UInt8]? { if case .blob(let b) = self { return b }; return nil }

    public init(_ v: Int?) { self = v.map { .int(Int64($0)) } ?? .null }
    public init(_ v: Int64?) { self = v.map { .int($0) } ?? .null }
    public init(_ v: Double?) { self = v.map { $0.isNaN ? .null : .double($0) } ?? .null }
    public init(_ v: String?) { self = v.map { .text($0) } ?? .null }
}

/// A prepared statement, reused across many executions.
public final class SQLiteStatement {
    let stmt: OpaquePointer
    unowned let db: SQLiteDatabase
    let sql: String

    init(db: SQLiteDatabase, sql: String) throws {
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v2(db.handle, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else { throw db.error(rc, sql: sql) }
        stmt = s; self.db = db; self.sql = sql
    }
    deinit { sqlite3_finalize(stmt) }

    public var columnCount: Int { Int(sqlite3_column_count(stmt)) }

    @inline(__always) public func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
    @inline(__always) public func bind(_ i: Int32, _ v: Int?) {
        if let v { sqlite3_bind_int64(stmt, i, Int64(v)) } else { sqlite3_bind_null(stmt, i) }
    }
    @inline(__always) public func bind(_ i: Int32, _ v: Double?) {
        if let v, !v.isNaN { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }
    @inline(__always) public func bind(_ i: Int32, _ v: String?) {
        if let v { sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT_PTR) } else { sqlite3_bind_null(stmt, i) }
    }
    public func bind(_ i: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(stmt, i, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                                  SQLITE_TRANSIENT_PTR)
        }
    }
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (k, v) in values.enumerated() {
            let i = Int32(k + 1)
            switch v {
            case .null: sqlite3_bind_null(stmt, i)
            case .int(let x): sqlite3_bind_int64(stmt, i, x)
            case .double(let d): sqlite3_bind_double(stmt, i, d)
            case .text(let s): sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT_PTR)
            case .blob(let b): bind(i, blob: b)
            }
        }
    }

    /// Steps once: true when a row is available.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error(rc, sql: sql)
    }

    /// Executes an insert/update with the current bindings, then resets.
    @inline(__always)
    public func run() throws {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        if rc != SQLITE_DONE && rc != SQLITE_ROW { throw db.error(rc, sql: sql) }
    }

    public func reset() { sqlite3_reset(stmt) }

    public func int(_ c: Int32) -> Int64? {
        sqlite3_column_type(stmt, c) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, c)
    }
    public func double(_ c: Int32) -> Double? {
        sqlite3_column_type(stmt, c) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, c)
    }
    public func text(_ c: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, c) else { return nil }
        return String(cString: p)
    }
    public func blob(_ c: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, c))
        guard n > 0, let p = sqlite3_column_blob(stmt, c) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
    public func value(_ c: Int) -> SQLiteValue {
        let i = Int32(c)
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT: return .text(text(i) ?? "")
        case SQLITE_BLOB: return .blob(blob(i))
        default: return .null
        }
    }
}
