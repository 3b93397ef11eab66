import DiagnoseCore

/// Orders records across files: by time where both have one, else by step, else by line
/// within one file. Returns nil where the order cannot be known.
enum Ordering {
    static func compare(_ a: LogEvent, _ b: LogEvent, _ sa: String, _ sb: String) -> Bool? {
        if let ta = a.time, let tb = b.time, ta != tb { return ta < tb }
        if let pa = a.step, let pb = b.step, pa != pb { return pa < pb }
        if sa == sb { return a.line < b.line }
        if let ta = a.time, let tb = b.time, ta == tb { return sa < sb }
        return nil
    }

    /// A total order for picking a first event: known order first, then source and line.
    static func before(_ a: LogEvent, _ b: LogEvent, _ sa: String, _ sb: String) -> Bool {
        if let c = compare(a, b, sa, sb) { return c }
        if (a.time == nil) != (b.time == nil) { return a.time != nil }
        return (sa, a.line) < (sb, b.line)
    }
}
