/// A run id is a folder name: letters, digits, `.`, `_`, `-` (CONTRACT.md §1).
public struct RunID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String
    public var description: String { value }
    public static func < (a: RunID, b: RunID) -> Bool { a.value < b.value }

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case empty
        case badCharacter(String, Character)
        case dotsOnly(String)
        public var description: String {
            switch self {
            case .empty: "run id is empty"
            case .badCharacter(let id, let c):
                "invalid run id '\(id)': '\(c)' is not allowed (letters, digits, '.', '_', '-' only)"
            case .dotsOnly(let id): "invalid run id '\(id)': '.' and '..' are not run ids"
            }
        }
    }

    public init(validating raw: String) throws(Invalid) {
        if raw.isEmpty { throw .empty }
        for c in raw {
            let ok = c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-")
            if !ok { throw .badCharacter(raw, c) }
        }
        if raw == "." || raw == ".." || raw.contains("..") { throw .dotsOnly(raw) }
        value = raw
    }

    public init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(validating: raw) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
