import Foundation

/// How a front router spreads requests over engine replicas.
enum RoutePolicy { case roundRobin, sessionAffinity, cacheAware }

/// The serving engine as configured: replicas, KV cache geometry and scheduler limits.
struct EngineSpec {
    var replicas = 1
    var policy = RoutePolicy.roundRobin
    var blockSize = 16
    var capacityBlocks = 4000
    var maxNumSeqs = 64
    var caching = true
    var prefillTPS = 24000
    var decodeTPS = 42.0
}

/// Multi-turn chat / agent sessions arriving over time.
struct WorkloadSpec {
    var duration = 900
    var sessionRate: @Sendable (Double) -> Double = { _ in 0.2 }
    var turns: ClosedRange<Int> = 2...6
    var userTokens: ClosedRange<Int> = 30...220
    var outputTokens: ClosedRange<Int> = 60...360
    var thinkMean = 9.0
}

/// One served request as a request log would record it.
struct ServedRequest {
    var id: Int
    var session: Int
    var turn: Int
    var replica: Int
    var arrival: Double
    var start: Double = -1
    var finish: Double = -1
    var promptTokens: Int
    var cachedTokens = 0
    var outputTokens: Int
    var preempted = 0
    var prefixNote: String
}

/// Per-second engine counters of one replica.
struct ReplicaTick {
    var queries = 0, hits = 0, blockQueries = 0, blockHits = 0
    var promptTokens = 0, computedPrompt = 0, genTokens = 0
    var running = 0, waiting = 0, usage = 0.0, preemptions = 0
    var admitted = 0, finished = 0, evicted = 0
}

/// A discrete-time simulation of N engine replicas behind a router, each with a real paged
/// prefix cache; prompts are token sequences rendered from the deployment's templates.
final class ServingSim {
    typealias PrefixRenderer = (_ requestID: Int, _ time: Double, _ session: Int, _ rng: inout SeededRNG) -> (tokens: [UInt32], note: String)

    let engine: EngineSpec
    let workload: WorkloadSpec
    let prefix: PrefixRenderer
    var rng: SeededRNG

    private(set) var requests: [ServedRequest] = []
    private(set) var ticks: [[ReplicaTick]] = []
    private(set) var caches: [PagedKVCache] = []

    private struct Session { var id: Int; var turnsLeft: Int; var turn: Int; var history: [UInt32]; var next: Double }
    private struct Running { var req: Int; var hashes: [UInt64]; var cached: [UInt64]; var uncached: Int; var done: Int; var total: Int; var prompt: Int; var output: [UInt32] }
    private var tokensOf: [Int: [UInt32]] = [:]
    private var outputOf: [Int: [UInt32]] = [:]

    init(engine: EngineSpec, workload: WorkloadSpec, seed: UInt64, prefix: @escaping PrefixRenderer) {
        self.engine = engine
        self.workload = workload
        self.prefix = prefix
        self.rng = SeededRNG(seed: seed)
    }

    static let roleUser: UInt32 = 0xFFFF_0001, roleAssistant: UInt32 = 0xFFFF_0002, roleEnd: UInt32 = 0xFFFF_0003

    func run() {
        let B = engine.blockSize
        caches = (0..<engine.replicas).map { _ in PagedKVCache(blockSize: B, capacity: engine.capacityBlocks, cachingEnabled: engine.caching) }
        ticks = Array(repeating: Array(repeating: ReplicaTick(), count: workload.duration), count: engine.replicas)
        var waiting = Array(repeating: [Int](), count: engine.replicas)
        var running = Array(repeating: [Running](), count: engine.replicas)
        var sessions: [Session] = []
        var sessionOfReq: [Int: Int] = [:]
        var rr = 0
        var nextSessionAt = rng.exp(mean: 1 / max(0.001, workload.sessionRate(0)))

        for t in 0..<workload.duration {
            let now = Double(t)
            while nextSessionAt < now + 1 {
                sessions.append(Session(id: sessions.count, turnsLeft: rng.int(workload.turns), turn: 0, history: [], next: nextSessionAt))
                nextSessionAt += rng.exp(mean: 1 / max(0.001, workload.sessionRate(nextSessionAt)))
            }
            for si in sessions.indices where sessions[si].turnsLeft > 0 && sessions[si].next >= 0 && sessions[si].next < now + 1 {
                let s = sessions[si]
                let rid = requests.count
                let p = prefix(rid, s.next, s.id, &rng)
                let user = PromptKit.randomTokens(rng.int(workload.userTokens), rng: &rng)
                var tokens = p.tokens
                tokens += s.history
                tokens.append(Self.roleUser); tokens += user; tokens += [Self.roleEnd, Self.roleAssistant]
                var out = PromptKit.randomTokens(rng.int(workload.outputTokens), rng: &rng)
                out.append(Self.roleEnd)
                sessions[si].history += [Self.roleUser] + user + [Self.roleEnd, Self.roleAssistant] + out
                sessions[si].next = -1
                sessions[si].turn += 1
                let replica: Int
                switch engine.policy {
                case .roundRobin: replica = rr % engine.replicas; rr += 1
                case .sessionAffinity: replica = Int(stableHash("session-\(s.id)") % UInt64(engine.replicas))
                case .cacheAware:
                    let hs = PagedKVCache.blockHashes(tokens, blockSize: B)
                    var best = 0, bestKey = (-1, Int.max)
                    for r in 0..<engine.replicas {
                        let key = (caches[r].matchLength(hs), running[r].count + waiting[r].count)
                        if key.0 > bestKey.0 || (key.0 == bestKey.0 && key.1 < bestKey.1) { best = r; bestKey = key }
                    }
                    replica = best
                }
                requests.append(ServedRequest(id: rid, session: s.id, turn: s.turn, replica: replica, arrival: s.next, promptTokens: tokens.count, outputTokens: out.count, prefixNote: p.note))
                tokensOf[rid] = tokens
                outputOf[rid] = out
                sessionOfReq[rid] = si
                waiting[replica].append(rid)
            }

            for r in 0..<engine.replicas {
                let cache = caches[r]
                var tk = ReplicaTick()
                var budget = engine.prefillTPS
                // admission
                while !waiting[r].isEmpty && running[r].count < engine.maxNumSeqs && budget > 0 {
                    let rid = waiting[r][0]
                    let tokens = tokensOf[rid]!
                    let out = outputOf[rid]!
                    let all = tokens + out
                    let hashes = PagedKVCache.blockHashes(all, blockSize: B)
                    let promptFull = tokens.count / B
                    var match = cache.matchLength(Array(hashes[0..<promptFull]))
                    if match * B >= tokens.count { match = (tokens.count - 1) / B }
                    for k in 0..<match { cache.acquire(hashes[k], tick: t) }
                    let need = (tokens.count + B - 1) / B - match
                    guard let ev = cache.reserve(need) else {
                        for k in 0..<match { cache.release(hashes[k], tick: t) }
                        break
                    }
                    tk.evicted += ev
                    var run = Running(req: rid, hashes: hashes, cached: Array(hashes[0..<match]), uncached: 0, done: tokens.count, total: all.count, prompt: tokens.count, output: out)
                    for k in match..<promptFull {
                        if cache.register(hashes[k], tick: t) { run.cached.append(hashes[k]) } else { run.uncached += 1 }
                    }
                    if tokens.count % B != 0 { _ = cache.register(nil, tick: t); run.uncached += 1 }
                    waiting[r].removeFirst()
                    running[r].append(run)
                    if requests[rid].start < 0 {
                        requests[rid].start = now + rng.unit() * 0.5
                        requests[rid].cachedTokens = match * B
                    }
                    tk.queries += tokens.count
                    tk.hits += match * B
                    tk.blockQueries += promptFull
                    tk.blockHits += match
                    tk.promptTokens += tokens.count
                    tk.computedPrompt += tokens.count - match * B
                    tk.admitted += 1
                    budget -= tokens.count - match * B
                }
                // decode
                let perSeq = engine.decodeTPS / (1 + Double(running[r].count) / 96)
                var i = 0
                while i < running[r].count {
                    var run = running[r][i]
                    let g = max(1, Int(perSeq * (0.85 + 0.3 * rng.unit())))
                    let newDone = min(run.total, run.done + g)
                    let needBlocks = (newDone + B - 1) / B
                    let held = run.cached.count + run.uncached
                    var preemptedSelf = false
                    if needBlocks > held {
                        while cache.reserve(needBlocks - held) == nil {
                            let victim = running[r].count - 1
                            let v = victim == i ? run : running[r][victim]
                            for h in v.cached { cache.release(h, tick: t) }
                            cache.releaseUncached(v.uncached)
                            requests[v.req].preempted += 1
                            tk.preemptions += 1
                            waiting[r].insert(v.req, at: 0)
                            running[r].remove(at: victim)
                            if victim == i { preemptedSelf = true; break }
                        }
                        if !preemptedSelf {
                            for _ in 0..<(needBlocks - held) { _ = cache.register(nil, tick: t) }
                            run.uncached += needBlocks - held
                        }
                    }
                    if !preemptedSelf {
                        var b = max(run.done / B, run.prompt / B)
                        while b < newDone / B && run.uncached > 0 {
                            cache.releaseUncached(1); run.uncached -= 1
                            if cache.register(run.hashes[b], tick: t) { run.cached.append(run.hashes[b]) } else { run.uncached += 1 }
                            b += 1
                        }
                        tk.genTokens += newDone - run.done
                        run.done = newDone
                    }
                    if preemptedSelf { continue }
                    if run.done >= run.total {
                        for h in run.cached { cache.release(h, tick: t) }
                        cache.releaseUncached(run.uncached)
                        requests[run.req].finish = now + 1 + rng.unit() * 0.9
                        tk.finished += 1
                        let si = sessionOfReq[run.req]!
                        sessions[si].turnsLeft -= 1
                        if sessions[si].turnsLeft > 0 { sessions[si].next = requests[run.req].finish + rng.exp(mean: workload.thinkMean) }
                        tokensOf[run.req] = nil
                        outputOf[run.req] = nil
                        running[r].remove(at: i)
                        continue
                    }
                    running[r][i] = run
                    i += 1
                }
                tk.running = running[r].count
                tk.waiting = waiting[r].count
                tk.usage = Double(cache.inUse) / Double(max(1, cache.capacity))
                ticks[r][t] = tk
            }
        }
    }

    /// Cumulative hit rate over the whole run (all replicas).
    var overallHitRate: Double {
        var q = 0, h = 0
        for r in ticks { for t in r { q += t.queries; h += t.hits } }
        return q == 0 ? 0 : Double(h) / Double(q)
    }
}
