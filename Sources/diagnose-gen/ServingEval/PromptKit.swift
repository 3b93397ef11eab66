import Foundation

/// Renders the prompt material a serving deployment sends (system prompt, tool definitions) and
/// tokenizes it with a simple word-piece scheme, so cache behaviour follows from real text.
enum PromptKit {
    static let words = ["account", "order", "invoice", "refund", "policy", "customer", "shipment", "status",
                        "verify", "identity", "before", "sharing", "details", "always", "never", "escalate",
                        "ticket", "agent", "summarize", "briefly", "cite", "source", "document", "knowledge",
                        "base", "answer", "only", "from", "the", "provided", "context", "if", "unsure", "say",
                        "so", "and", "ask", "a", "clarifying", "question", "keep", "responses", "under", "three",
                        "paragraphs", "use", "tools", "when", "needed", "do", "not", "invent", "numbers",
                        "dates", "or", "names", "respect", "privacy", "regulations", "include", "links",
                        "to", "help", "center", "articles", "format", "lists", "with", "dashes", "tone",
                        "friendly", "professional", "concise", "language", "match", "user", "prefer",
                        "metric", "units", "billing", "subscription", "plan", "upgrade", "downgrade", "cancel"]

    /// A deterministic system prompt of about `paragraphs` × 90 words.
    static func systemPrompt(product: String, paragraphs: Int, rng: inout SeededRNG) -> String {
        var out = "You are the \(product) assistant. Follow these instructions exactly.\n"
        for p in 0..<paragraphs {
            out += "\n## Section \(p + 1)\n"
            for _ in 0..<6 {
                let n = rng.int(10...18)
                var sent = (0..<n).map { _ in rng.pick(words) }.joined(separator: " ")
                sent = sent.prefix(1).uppercased() + sent.dropFirst()
                out += "- " + sent + ".\n"
            }
        }
        return out
    }

    struct Tool {
        var name: String
        var description: String
        var params: [(String, String, String)]
    }

    static func tools(count: Int, rng: inout SeededRNG) -> [Tool] {
        let verbs = ["get", "search", "create", "update", "list", "lookup", "cancel", "refund", "send", "fetch", "check", "schedule"]
        let nouns = ["order", "invoice", "customer", "shipment", "ticket", "subscription", "payment", "article", "address", "warranty", "return", "coupon"]
        var seen = Set<String>()
        var out: [Tool] = []
        while out.count < count {
            let name = rng.pick(verbs) + "_" + rng.pick(nouns)
            if seen.contains(name) { continue }
            seen.insert(name)
            let desc = (0..<rng.int(12...22)).map { _ in rng.pick(words) }.joined(separator: " ")
            var params: [(String, String, String)] = []
            for k in 0..<rng.int(2...4) {
                let pn = ["id", "query", "limit", "reason", "email", "date_from", "date_to", "amount", "locale"][(k + rng.int(0...8)) % 9]
                if params.contains(where: { $0.0 == pn }) { continue }
                let ty = ["limit", "amount"].contains(pn) ? "integer" : "string"
                params.append((pn, ty, (0..<rng.int(5...9)).map { _ in rng.pick(words) }.joined(separator: " ")))
            }
            out.append(Tool(name: name, description: desc, params: params))
        }
        return out
    }

    static func toolJSON(_ t: Tool) -> JV {
        .o([("type", .s("function")),
            ("function", .o([
                ("name", .s(t.name)),
                ("description", .s(t.description)),
                ("parameters", .o([
                    ("type", .s("object")),
                    ("properties", .o(t.params.map { ($0.0, .o([("type", .s($0.1)), ("description", .s($0.2))])) })),
                    ("required", .a([.s(t.params[0].0)])),
                ])),
            ])),
        ])
    }

    /// Tools as the chat template renders them into the prompt (one JSON object per line).
    static func renderTools(_ ts: [Tool]) -> String {
        "# Tools\n\nYou may call one or more functions. Function signatures:\n<tools>\n"
            + ts.map { toolJSON($0).compact }.joined(separator: "\n") + "\n</tools>\n"
    }

    /// Word-piece tokenization: words, numbers and punctuation marks; long words split every 6 characters.
    /// Random token ids for user and model turns.
    static func randomTokens(_ n: Int, rng: inout SeededRNG) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: n)
        for i in 0..<n { out[i] = UInt32(truncatingIfNeeded: rng.next() % 50000) }
        return out
    }

    static func tokenize(_ s: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.utf8.count / 4)
        var h: UInt32 = 2166136261
        var len = 0
        func flush() {
            if len > 0 { out.append(h); h = 2166136261; len = 0 }
        }
        for b in s.utf8 {
            let isAlnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b >= 128
            if isAlnum {
                h = (h ^ UInt32(b)) &* 16777619
                len += 1
                if len == 6 { flush() }
            } else {
                flush()
                if b != 32 { out.append((2166136261 ^ UInt32(b)) &* 16777619 &+ 7) }
            }
        }
        flush()
        return out
    }
}

/// Memoized tokenization of repeated prompt segments.
final class TokenMemo {
    private var memo: [String: [UInt32]] = [:]
    private var keyed: [String: [UInt32]] = [:]

    /// Tokens of text identified by `key`, rendering it only the first time.
    func tokens(key: String, render: () -> String) -> [UInt32] {
        if let t = keyed[key] { return t }
        let t = PromptKit.tokenize(render())
        if keyed.count < 20000 { keyed[key] = t }
        return t
    }

    func tokens(_ s: String) -> [UInt32] {
        if let t = memo[s] { return t }
        let t = PromptKit.tokenize(s)
        if memo.count < 5000 { memo[s] = t }
        return t
    }
}
