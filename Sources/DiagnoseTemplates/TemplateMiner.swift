/// Interim template miner (tokens with digits become `<*>`); replaced by the Drain-style miner.
public final class TemplateMiner {
    private var ids: [String: Int32] = [:]
    private var texts: [String] = []
    public init() {}

    public func add(_ line: UnsafeRawBufferPointer) -> Int32 {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var token: [UInt8] = []
        var hasDigit = false
        func endToken() {
            if !token.isEmpty {
                if !out.isEmpty { out.append(0x20) }
                if hasDigit { out.append(contentsOf: Array("<*>".utf8)) } else { out.append(contentsOf: token) }
            }
            token.removeAll(keepingCapacity: true)
            hasDigit = false
        }
        for c in line {
            if c == 0x20 || c == 0x09 { endToken(); continue }
            if c >= 0x30 && c <= 0x39 { hasDigit = true }
            token.append(c)
        }
        endToken()
        let text = String(decoding: out, as: UTF8.self)
        if let id = ids[text] { return id }
        let id = Int32(texts.count)
        ids[text] = id
        texts.append(text)
        return id
    }

    public func template(_ id: Int32) -> String { texts[Int(id)] }
    public var templateCount: Int { texts.count }
}
