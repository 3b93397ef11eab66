/// Template text as the miner writes it, made comparable across runs and miner versions.
public enum TemplateText {
    /// `text` with every whitespace-separated token masked as `TemplateMiner` masks line tokens
    /// (numbers, hex, IPs, dates, paths ... to `<*>`), joined by single spaces. Mined templates
    /// are already in this form; literal lines and older templates are brought to it.
    public static func normalized(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var scratch = [UInt8](repeating: 0, count: 3 * bytes.count + 3)
        bytes.withUnsafeMutableBufferPointer { b in
            scratch.withUnsafeMutableBufferPointer { s in
                guard let p = b.baseAddress, let o = s.baseAddress else { return }
                let n = b.count
                var i = 0
                while i < n {
                    while i < n, TokenMasker.isSpace(p[i]) { i += 1 }
                    if i >= n { break }
                    let start = i
                    while i < n, !TokenMasker.isSpace(p[i]) { i += 1 }
                    if !out.isEmpty { out.append(0x20) }
                    let m = TokenMasker.mask(p + start, i - start, into: o)
                    if m < 0 {
                        out.append(contentsOf: TokenMasker.wildcard)
                    } else {
                        out.append(contentsOf: UnsafeBufferPointer(start: o, count: m))
                    }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
