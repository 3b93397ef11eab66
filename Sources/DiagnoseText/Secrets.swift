/// Recognises secrets so every output can redact them: keys named like secrets, and values shaped
/// like API keys or tokens. `Redactor` (in this module) does the masking.
public enum Secrets {
    private static let words: [[UInt8]] = ["api_key", "apikey", "api-key", "token", "secret", "password", "passwd",
                                           "access_key", "private_key", "auth", "credential", "hf_token", "wandb_key",
                                           "bearer"].map { Array($0.utf8) }
    private static let specialTokens: [[UInt8]] = ["pad", "eos", "bos", "unk", "sep", "cls", "mask"].map { Array($0.utf8) }

    /// Key names (last dotted component, lowercased) that hold secrets. Works on ASCII bytes: it
    /// runs for every `key: value` pair the redactor sees.
    public static func isSecretKey(_ key: String) -> Bool {
        var last: [UInt8] = []
        var current: [UInt8] = []
        for b in key.utf8 {
            if b == UInt8(ascii: ".") {
                if !current.isEmpty { last = current; current.removeAll(keepingCapacity: true) }
            } else {
                current.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }
        }
        if !current.isEmpty { last = current }
        if last.isEmpty { last = Array(key.utf8) }
        if equals(last, "author") || equals(last, "authors") || hasPrefix(last, "author_") { return false }
        if hasSuffix(last, "tokens") || contains(last, Array("token_id".utf8)) || contains(last, Array("tokenizer".utf8)) {
            return false
        }
        if hasSuffix(last, "_token") && specialTokens.contains(where: { hasPrefix(last, $0) }) { return false }
        return words.contains { contains(last, $0) }
    }

    private static func equals(_ a: [UInt8], _ s: String) -> Bool { a.elementsEqual(s.utf8) }
    private static func hasPrefix(_ a: [UInt8], _ s: String) -> Bool { hasPrefix(a, Array(s.utf8)) }
    private static func hasPrefix(_ a: [UInt8], _ p: [UInt8]) -> Bool { a.count >= p.count && a[0..<p.count].elementsEqual(p) }
    private static func hasSuffix(_ a: [UInt8], _ s: String) -> Bool {
        let p = Array(s.utf8)
        return a.count >= p.count && a[(a.count - p.count)...].elementsEqual(p)
    }
    private static func contains(_ a: [UInt8], _ n: [UInt8]) -> Bool {
        guard a.count >= n.count else { return false }
        outer: for i in 0...(a.count - n.count) {
            for j in 0..<n.count where a[i + j] != n[j] { continue outer }
            return true
        }
        return false
    }
}
