/// Errors the library reports to its callers, each with the exit status the CLI uses
/// (CONTRACT.md §2: 64 bad usage, 66 missing or unreadable input; 70 internal; 74 I/O).
public enum DiagnoseError: Error, CustomStringConvertible, Equatable {
    case badRunID(String)
    case noRun(id: String, root: String)
    case noRunsRoot(String)
    case unreadable(String)
    case badUsage(String)
    case index(String)
    case internalError(String)

    public var description: String {
        switch self {
        case .badRunID(let why): why
        case .noRun(let id, let root): "no run '\(id)' under '\(root)'"
        case .noRunsRoot(let root): "runs root '\(root)' does not exist or cannot be read"
        case .unreadable(let why): why
        case .badUsage(let why): why
        case .index(let why): "index error: \(why)"
        case .internalError(let why): "internal error: \(why)"
        }
    }

    /// The process exit status for this error.
    public var exitCode: Int32 {
        switch self {
        case .badRunID, .badUsage: 64
        case .noRun, .noRunsRoot, .unreadable: 66
        case .index: 74
        case .internalError: 70
        }
    }
}
