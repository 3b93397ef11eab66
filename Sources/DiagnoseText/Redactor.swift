/// Masks secrets in text before anything leaves the tool: API keys and tokens by their shape
/// (OpenAI, Anthropic, Hugging Face, W&B, AWS, GitHub, Slack, JWTs, bearer tokens, private keys),
/// passwords in URLs, and values of fields named like secrets (`Secrets.isSecretKey`).
///
/// A masked token keeps only its public type prefix (`sk-***`, `hf_***`, `AKIA***`), so a reader
/// can tell what was there; no secret character survives. Matching runs on UTF-8 bytes with
/// PCRE2 (JIT).
public enum Redactor {
    /// The mask that replaces secret characters.
    public static let mask = "***"

    /// `text` with every recognised secret masked.
    public static func redact(_ text: String) -> String {
        if text.isEmpty { return text }
        var t = text
        let present = t.withUTF8 { needles.scan($0) }
        if present == 0 { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for rule in rules where rule.needleMask & present != 0 {
            if let out = rule.apply(bytes) { bytes = out; changed = true }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// Optional text, redacted.
    public static func redact(_ text: String?) -> String? { text.map { redact($0) } }

    /// True when `text` holds something `redact` would mask.
    public static func containsSecret(_ text: String) -> Bool { redact(text) != text }

    /// Whether any rule could match: one scan for the literals the rules need (a key word, a
    /// token prefix, `://`), so ordinary log lines skip the patterns altogether.
    static func mayHoldSecret(_ text: String) -> Bool {
        var t = text
        return t.withUTF8 { needles.scan($0) } != 0
    }

    /// Case-insensitive multi-literal scan: which of up to 64 lowercase literals occur.
    struct Needles: Sendable {
        let words: [[UInt8]]
        /// All literals back to back, and where each starts.
        let bytes: [UInt8]
        let starts: [Int]
        /// For each (lowercased) byte, the literals that begin with it.
        let firstMask: [UInt64]

        init(_ list: [String]) {
            precondition(list.count <= 64)
            words = list.map { Array($0.utf8) }
            var all: [UInt8] = [], starts: [Int] = []
            var table = [UInt64](repeating: 0, count: 256)
            for (i, w) in words.enumerated() {
                starts.append(all.count); all += w
                table[Int(w[0])] |= 1 << UInt64(i)
            }
            bytes = all; self.starts = starts; firstMask = table
        }

        func index(_ word: String) -> Int { words.firstIndex(of: Array(word.utf8))! }

        @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

        func scan(_ text: UnsafeBufferPointer<UInt8>) -> UInt64 {
            bytes.withUnsafeBufferPointer { lit in
                starts.withUnsafeBufferPointer { st in
                    firstMask.withUnsafeBufferPointer { first in
                        var found: UInt64 = 0
                        let n = text.count
                        for i in 0..<n {
                            var m = first[Int(Needles.lower(text[i]))] & ~found
                            while m != 0 {
                                let k = m.trailingZeroBitCount
                                m &= m - 1
                                let s = st[k], len = (k + 1 < st.count ? st[k + 1] : lit.count) - s
                                if i + len > n { continue }
                                var j = 1
                                while j < len && Needles.lower(text[i + j]) == lit[s + j] { j += 1 }
                                if j == len { found |= 1 << UInt64(k) }
                            }
                        }
                        return found
                    }
                }
            }
        }
    }

    private static let keyWords = ["key", "token", "secret", "passw", "auth", "credential", "bearer"]
    /// A key can only name a secret if it holds one of `keyWords`.
    static let keyWordMask: UInt64 = keyWords.reduce(0) { $0 | 1 << UInt64(needles.index($1)) }
    static let needles = Needles(Array(Set(
        ["private", "sk-", "hf_", "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "akia", "asia", "eyj",
         "authorization", "bearer", "aws_secret_access_key", "machine", "password", "wandb", "://"] + keyWords)).sorted())

    // MARK: - Rules

    private enum Replacement {
        /// Replace the whole match with a fixed shape.
        case whole(String)
        /// Replace the named group `s` with the mask, keep the rest.
        case group
        /// Replace group `s` with the mask when the key in group `k` names a secret.
        case keyed
    }

    private struct Rule: @unchecked Sendable {
        let pattern: Pattern
        let replacement: Replacement
        /// Bits of the literals (in `needles`) of which one must occur for the pattern to match.
        let needleMask: UInt64

        init(_ source: String, _ replacement: Replacement, options: Pattern.Options = [], needs: [String]) {
            // The rules are constants of this file; a compile failure is a programming error.
            do { pattern = try Pattern(source, options: options) } catch { fatalError("\(error)") }
            self.replacement = replacement
            needleMask = needs.reduce(0) { $0 | 1 << UInt64(Redactor.needles.index($1)) }
        }

        /// The rewritten bytes, or nil when nothing matched.
        func apply(_ input: [UInt8]) -> [UInt8]? {
            let m = pattern.matcher()
            var out: [UInt8] = []
            var copied = 0
            var start = 0
            var any = false
            input.withUnsafeBytes { buf in
                while start <= buf.count, m.matches(buf, from: start) {
                    guard let whole = m.range(0) else { break }
                    var cut: Range<Int>? = nil
                    var with: [UInt8] = []
                    switch replacement {
                    case .whole(let shape):
                        cut = whole; with = Array(shape.utf8)
                    case .group:
                        if let r = m.range("s"), !r.isEmpty { cut = r; with = Array(Redactor.mask.utf8) }
                    case .keyed:
                        if let raw = m.bytes("k"), Redactor.needles.scan(raw.bindMemory(to: UInt8.self)) & Redactor.keyWordMask != 0,
                           let key = m.string("k"), let r = m.range("s"), !r.isEmpty,
                           Secrets.isSecretKey(String(key.map { $0 == "-" ? "_" : $0 })),
                           Redactor.worthMasking(buf, r, key: key) {
                            cut = r; with = Array(Redactor.mask.utf8)
                        }
                    }
                    if let cut, cut.lowerBound >= copied {
                        if !any { out.reserveCapacity(input.count); any = true }
                        out.append(contentsOf: buf[copied..<cut.lowerBound])
                        out.append(contentsOf: with)
                        copied = cut.upperBound
                    }
                    start = whole.isEmpty ? whole.upperBound + 1 : whole.upperBound
                }
                if any { out.append(contentsOf: buf[copied..<buf.count]) }
            }
            return any ? out : nil
        }
    }

    /// A field value is masked unless it is plainly not a secret: already masked, a null/boolean
    /// placeholder, or a count under a key that merely mentions tokens.
    static func worthMasking(_ buf: UnsafeRawBufferPointer, _ r: Range<Int>, key: String) -> Bool {
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: buf[r]), as: UTF8.self)
        if value.contains(mask) { return false }
        switch value.lowercased() {
        case "null", "none", "nil", "true", "false", "~", "<redacted>", "redacted", "bearer", "basic":
            return false
        default: break
        }
        let k = key.lowercased()
        let strong = k.contains("pass") || k.contains("secret") || k.contains("key")
        if !strong, value.allSatisfy({ $0.isNumber || $0 == "." }) { return false }
        return true
    }

    private static let rules: [Rule] = [
        // Whole PEM private keys.
        Rule(#"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"#,
             .whole("-----BEGIN PRIVATE KEY-----***"), options: [.dotAll], needs: ["private"]),
        // Anthropic before OpenAI: both start with `sk-`.
        Rule(#"\bsk-ant-[A-Za-z0-9_\-]{8,}"#, .whole("sk-ant-***"), needs: ["sk-"]),
        Rule(#"\bsk-proj-[A-Za-z0-9_\-]{8,}"#, .whole("sk-proj-***"), needs: ["sk-"]),
        Rule(#"\bsk-(?:svcacct-|admin-)?[A-Za-z0-9_\-]{16,}"#, .whole("sk-***"), needs: ["sk-"]),
        Rule(#"\bhf_[A-Za-z0-9]{20,}"#, .whole("hf_***"), needs: ["hf_"]),
        Rule(#"\bgithub_pat_[A-Za-z0-9_]{20,}"#, .whole("github_pat_***"), needs: ["github_pat_"]),
        Rule(#"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}"#, .whole("ghp_***"), needs: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
        Rule(#"\bxox[bpasr]-[A-Za-z0-9\-]{8,}"#, .whole("xox*-***"), needs: ["xox"]),
        Rule(#"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#, .whole("AKIA***"), needs: ["akia", "asia"]),
        Rule(#"\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}"#, .whole("eyJ***"), needs: ["eyj"]),
        // `Authorization: Bearer …` / `Basic …` / `token …`, and bare `Bearer <token>`.
        Rule(#"authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+(?<s>[^\s"',]{4,})"#, .group,
             options: [.caseless], needs: ["authorization"]),
        Rule(#"\bBearer\s+(?<s>[A-Za-z0-9._~+/\-]{16,}=*)"#, .group, needs: ["bearer"]),
        // AWS secret keys after their key name, whatever the separator.
        Rule(#"aws_secret_access_key["']?\s*[=:]?\s*["']?(?<s>[A-Za-z0-9/+=]{30,})"#, .group,
             options: [.caseless], needs: ["aws_secret_access_key"]),
        // netrc: `machine api.wandb.ai login user password <key>`; `wandb login <key>`.
        Rule(#"\bmachine\s+\S+(?:\s+login\s+\S+)?\s+password\s+(?<s>\S+)"#, .group, needs: ["machine"]),
        Rule(#"\bpassword\s+(?<s>[0-9a-f]{40})\b"#, .group, needs: ["password"]),
        Rule(#"\bwandb\s+login\s+(?:--?\S+\s+)*(?<s>[0-9a-f]{40})\b"#, .group, needs: ["wandb"]),
        // Passwords in URLs: scheme://user:pass@host.
        Rule(#"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]+:(?<s>[^\s@/]+)@"#, .group, needs: ["://"]),
        // Fields named like secrets: `"api_key": "…"`, `token=…`, `password: …`.
        // `key = value` ends at whitespace; YAML-style `key: value` runs to the end of the line.
        Rule(#"(?<k>[A-Za-z_][A-Za-z0-9_.\-]*)["']?[ \t]*(?|=[ \t]*"(?<s>[^"\\]*)"|=[ \t]*'(?<s>[^']*)'|=[ \t]*(?<s>[^\s"',;}&)\]]+)|:[ \t]*"(?<s>[^"\\]*)"|:[ \t]*'(?<s>[^']*)'|:[ \t]*(?<s>[^\s"',}\]](?:[^\r\n"',}\]]*[^\s"',}\]])?))"#,
             .keyed, needs: keyWords),
        // Command-line flags: `--api-key X`, `--hf_token=X`.
        Rule(#"--(?<k>[A-Za-z][A-Za-z0-9_\-]*)(?:=|[ \t]+)(?!-)(?<s>[^\s"']+)"#, .keyed, needs: keyWords),
    ]
}
