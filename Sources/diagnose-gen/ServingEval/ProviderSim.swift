import Foundation

/// Hosted-API prompt caching as the providers document it: OpenAI caches prompts of at least
/// 1,024 tokens automatically in 128-token steps; Anthropic caches the prefix up to each
/// `cache_control` breakpoint when it is at least the model's minimum cacheable length.
/// Entries expire after a TTL that each hit refreshes.
enum ProviderKind { case openAI, anthropic }

struct ProviderRequest {
    var id: Int
    var session: Int
    var turn: Int
    var time: Double
    var latency: Double
    var total: Int
    var cacheRead: Int
    var cacheWrite: Int
    var output: Int
    var toolOrder: [String]
    var stop: String
}

final class ProviderSim {
    typealias Render = (_ requestID: Int, _ time: Double, _ session: Int, _ rng: inout SeededRNG) -> (tokens: [UInt32], breakpoint: Int, toolOrder: [String])

    let kind: ProviderKind
    let minCacheable: Int
    let ttl: Double
    var rng: SeededRNG
    private(set) var requests: [ProviderRequest] = []

    init(kind: ProviderKind, minCacheable: Int, seed: UInt64, ttl: Double = 300) {
        self.kind = kind
        self.minCacheable = minCacheable
        self.ttl = ttl
        self.rng = SeededRNG(seed: seed)
    }

    func run(workload: WorkloadSpec, render: Render) {
        var cache: [UInt64: Double] = [:]   // prefix hash -> expiry
        struct S { var id: Int; var left: Int; var turn: Int; var history: [UInt32]; var next: Double }
        var sessions: [S] = []
        var t = rng.exp(mean: 1 / workload.sessionRate(0))
        while t < Double(workload.duration) {
            sessions.append(S(id: sessions.count, left: rng.int(workload.turns), turn: 0, history: [], next: t))
            t += rng.exp(mean: 1 / max(0.001, workload.sessionRate(t)))
        }
        var events: [(Double, Int)] = sessions.map { ($0.next, $0.id) }
        while !events.isEmpty {
            let k = events.indices.min { events[$0].0 < events[$1].0 }!
            let (now, sid) = events.remove(at: k)
            if now >= Double(workload.duration) { continue }
            let rid = requests.count
            let r = render(rid, now, sid, &rng)
            let user = PromptKit.randomTokens(rng.int(workload.userTokens), rng: &rng)
            let tokens = r.tokens + sessions[sid].history + [ServingSim.roleUser] + user + [ServingSim.roleEnd]
            let out = rng.int(workload.outputTokens)
            // prefix hashes at every position, to look up breakpoints
            var hashes = [UInt64](repeating: 0, count: tokens.count + 1)
            var h: UInt64 = 0x84222325cbf29ce4
            for (i, x) in tokens.enumerated() { h = (h ^ UInt64(x)) &* 0x100000001b3; hashes[i + 1] = h }
            var read = 0, write = 0
            switch kind {
            case .openAI:
                if tokens.count >= 1024 {
                    var best = 0
                    var len = 1024
                    while len <= tokens.count {
                        if let e = cache[hashes[len]], e > now { best = len } else if len > 1024 { break }
                        len += 128
                    }
                    read = best
                    var l = 1024
                    while l <= tokens.count { cache[hashes[l]] = now + ttl; l += 128 }
                }
            case .anthropic:
                let bps = [r.breakpoint, tokens.count].filter { $0 >= minCacheable }
                for bp in bps.reversed() { if let e = cache[hashes[bp]], e > now { read = bp; break } }
                if let last = bps.last, last > read { write = last - read }
                for bp in bps { cache[hashes[bp]] = now + ttl }
            }
            let latency = 0.4 + Double(tokens.count - read) / 9000 + Double(out) / 70 + rng.unit() * 0.3
            requests.append(ProviderRequest(id: rid, session: sid, turn: sessions[sid].turn, time: now, latency: latency, total: tokens.count, cacheRead: read, cacheWrite: write, output: out, toolOrder: r.toolOrder, stop: "end_turn"))
            let outTokens = PromptKit.randomTokens(out, rng: &rng)
            sessions[sid].history += [ServingSim.roleUser] + user + [ServingSim.roleEnd, ServingSim.roleAssistant] + outTokens + [ServingSim.roleEnd]
            sessions[sid].turn += 1
            sessions[sid].left -= 1
            if sessions[sid].left > 0 { events.append((now + latency + rng.exp(mean: workload.thinkMean), sid)) }
        }
    }

    var hitRate: Double {
        let tot = requests.reduce(0) { $0 + $1.total }
        return tot == 0 ? 0 : Double(requests.reduce(0) { $0 + $1.cacheRead }) / Double(tot)
    }

    /// One JSON line per request, in the provider's usage shape, as an API gateway logs it.
    func requestLog(start: Clock, model: String, rng: inout SeededRNG, logTools: Bool) -> TextDoc {
        var d = TextDoc()
        for r in requests {
            let c = start.adding(r.time)
            var kv: [(String, JV)] = [("ts", .s(c.iso.replacingOccurrences(of: "Z", with: ".\(c.millis)Z"))),
                                      ("request_id", .s(kind == .openAI ? "chatcmpl-\(rng.hex(24))" : "msg_01\(rng.hex(22))")),
                                      ("session_id", .s("s-\(String(format: "%05d", r.session))")),
                                      ("model", .s(model)), ("status", .i(200)),
                                      ("latency_ms", .i(Int(r.latency * 1000)))]
            if logTools { kv.append(("tools", .a(r.toolOrder.map { .s($0) }))) }
            switch kind {
            case .openAI:
                kv.append(("finish_reason", .s("stop")))
                kv.append(("usage", .o([("prompt_tokens", .i(r.total)), ("completion_tokens", .i(r.output)), ("total_tokens", .i(r.total + r.output)),
                                        ("prompt_tokens_details", .o([("cached_tokens", .i(r.cacheRead)), ("audio_tokens", .i(0))])),
                                        ("completion_tokens_details", .o([("reasoning_tokens", .i(0)), ("audio_tokens", .i(0)), ("accepted_prediction_tokens", .i(0)), ("rejected_prediction_tokens", .i(0))]))])))
            case .anthropic:
                kv.append(("stop_reason", .s(r.stop)))
                kv.append(("usage", .o([("input_tokens", .i(r.total - r.cacheRead - r.cacheWrite)), ("cache_creation_input_tokens", .i(r.cacheWrite)),
                                        ("cache_read_input_tokens", .i(r.cacheRead)),
                                        ("cache_creation", .o([("ephemeral_5m_input_tokens", .i(r.cacheWrite)), ("ephemeral_1h_input_tokens", .i(0))])),
                                        ("output_tokens", .i(r.output)), ("service_tier", .s("standard"))])))
            }
            d.add(JV.o(kv).compact)
        }
        return d
    }
}
