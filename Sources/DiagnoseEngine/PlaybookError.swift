/// A playbook problem, naming the file and the field (`supports[2].metric`).
public struct PlaybookError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var field: String
    public var message: String
    /// 1-based line in the file where known.
    public var line: Int?

    public init(file: String, field: String, message: String, line: Int? = nil) {
        self.file = file; self.field = field; self.message = message; self.line = line
    }

    public var description: String {
        let at = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(at): \(message)" : "\(at): \(field): \(message)"
    }
}
