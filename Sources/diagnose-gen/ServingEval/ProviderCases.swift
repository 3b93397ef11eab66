import Foundation

/// Cases where an application calls a hosted API (OpenAI or Anthropic) and relies on its prompt cache.
enum ProviderCases {
    struct Knobs {
        var model: String
        var minCacheable: Int
        var serve = ServeKnobs()
        var paragraphs: Int
        var maxTokens = 1024
        var temperature = "0.3"
        var timeout = 60
        var logLevel = "INFO"
    }

    struct Spec {
        var cause: String
        var split: Split
        var family: String
        var kind: ProviderKind
        var product: String
        var tools: Int
        var base: Knobs
        var inc: Knobs
        var workload: WorkloadSpec
        var evidence: [(String, String)]
        var notes: String
    }

    struct Output {
        var files: [(String, String)] = []
        var marks: [String: (String, Int)] = [:]
        var hit = 0.0
        var prefix = 0
        mutating func put(_ path: String, _ doc: TextDoc) {
            files.append((path, doc.text))
            for (k, v) in doc.marks where marks[k] == nil { marks[k] = (path, v) }
        }
    }

    static func run(_ spec: Spec, _ k: Knobs, material: PromptMaterial, runID: String, baseline: String?, start: Clock, seed: UInt64) -> Output {
        var out = Output()
        var rng = SeededRNG(seed: seed)
        let memo = TokenMemo()
        var mat = material
        if k.paragraphs < 0 { mat.system = String(mat.system.prefix(mat.system.count / 4)) }
        let render = mat.renderer(k.serve, start: start, memo: memo, toolsFirst: spec.kind == .anthropic)
        let sim = ProviderSim(kind: spec.kind, minCacheable: k.minCacheable, seed: seed &+ 3)
        sim.run(workload: spec.workload) { rid, t, sess, r in
            let x = render(rid, t, sess, &r)
            return (x.tokens, x.tokens.count, x.order)
        }
        out.hit = sim.hitRate
        var probe = SeededRNG(seed: 1)
        out.prefix = render(0, 0, 0, &probe).tokens.count

        var runYAML = TextDoc()
        if let baseline { runYAML.add("baseline: \(baseline)") }
        runYAML.add("started_at: \(start.iso)")
        runYAML.add("owner: \(rng.pick(["assist-team", "platform-apps", "support-eng"]))")
        runYAML.add("tags: [api-client, \(spec.kind == .openAI ? "openai" : "anthropic")]")
        out.put("run.yaml", runYAML)

        var cfg = TextDoc()
        cfg.add("provider: \(spec.kind == .openAI ? "openai" : "anthropic")")
        cfg.add("model: \(k.model)", mark: "cfg.model")
        cfg.add("max_tokens: \(k.maxTokens)")
        cfg.add("temperature: \(k.temperature)")
        cfg.add("timeout_s: \(k.timeout)", mark: "cfg.timeout")
        cfg.add("max_retries: 2")
        if spec.kind == .anthropic {
            cfg.add("cache_control:")
            cfg.add("  system: {type: ephemeral}")
            cfg.add("  last_user_message: {type: ephemeral}")
        }
        cfg.add("prompt:")
        cfg.add("  system_template: prompts/system.jinja")
        cfg.add("  tools: prompts/tools.json")
        cfg.add("tools:")
        cfg.add("  discovery: \(k.serve.toolDiscovery)", mark: "cfg.discovery")
        cfg.add("log_level: \(k.logLevel)", mark: "cfg.log")
        out.put("client/config.yaml", cfg)

        var tpl = mat.templateDoc(k.serve)
        if k.paragraphs < 0 {
            tpl = TextDoc()
            tpl.add("{#- system prompt: \(mat.product) assistant (compact) -#}", mark: "compact")
            tpl.addBlock(String(mat.system.dropLast()))
            tpl.add("")
            tpl.add("{%- for tool in tools | sort(attribute='function.name') %}")
            tpl.add("{{ tool | tojson }}")
            tpl.add("{%- endfor %}")
        }
        out.files.append(("prompts/system.jinja", tpl.text))
        for (key, v) in tpl.marks { out.marks["tpl." + key] = ("prompts/system.jinja", v) }
        out.files.append(("prompts/tools.json", mat.toolsJSON))

        var lr = SeededRNG(seed: seed &+ 11)
        var reqs = sim.requestLog(start: start, model: k.model, rng: &lr, logTools: k.serve.toolDiscovery == "concurrent" || spec.cause == "tool-schema-order")
        for (n, r) in sim.requests.enumerated() where r.turn >= 1 && r.cacheRead == 0 {
            reqs.mark("req.miss", containing: "\"request_id\"", from: n + 1)
            break
        }
        for (kk, v) in reqs.marks { out.marks[kk] = ("logs/requests.jsonl", v) }
        out.files.append(("logs/requests.jsonl", reqs.text))

        var app = TextDoc()
        let host = spec.kind == .openAI ? "https://api.openai.com/v1/chat/completions" : "https://api.anthropic.com/v1/messages"
        app.add("\(start.dateTime),\(start.millis) INFO app.main: starting \(mat.product) assistant worker (model=\(k.model))")
        app.add("\(start.dateTime),\(start.millis) INFO app.prompts: loaded system template prompts/system.jinja and \(mat.tools.count) tools")
        for (n, r) in sim.requests.enumerated() {
            let c = start.adding(r.time + r.latency)
            app.add("\(c.dateTime),\(c.millis) INFO httpx: HTTP Request: POST \(host) \"HTTP/1.1 200 OK\"")
            if n % 97 == 41 {
                app.add("\(c.dateTime),\(c.millis) WARNING app.retry: upstream 529 overloaded, retrying in 1.2s (attempt 1/2)")
                app.add("\(c.adding(1.3).dateTime),\(c.adding(1.3).millis) INFO httpx: HTTP Request: POST \(host) \"HTTP/1.1 200 OK\"")
            }
            if n % 150 == 75 { app.add("\(c.dateTime),\(c.millis) INFO app.health: ok (queue=0)") }
        }
        out.put("logs/app.log", app)
        return out
    }

    static func make(seed: UInt64) -> [GeneratedCase] {
        func wl(_ rate: Double, _ turns: ClosedRange<Int>, user: ClosedRange<Int> = 30...220) -> WorkloadSpec {
            var w = WorkloadSpec(); w.duration = 600; w.sessionRate = { _ in rate }; w.turns = turns; w.userTokens = user; w.thinkMean = 20
            return w
        }
        let sonnet = "claude-3-7-sonnet-20250219", haiku = "claude-3-5-haiku-20241022"
        var specs: [Spec] = []
        do {
            let b = Knobs(model: sonnet, minCacheable: 1024, paragraphs: 9)
            var i = b; i.serve.prompt = .timestampHeader
            specs.append(Spec(cause: "prompt-prefix-unstable", split: .heldout, family: "claude", kind: .anthropic, product: "Datum Insurance", tools: 5,
                              base: b, inc: i, workload: wl(0.08, 2...5),
                              evidence: [("tpl.dynamic", "current timestamp rendered at the top of the system prompt, inside the cached prefix"),
                                         ("req.miss", "follow-up turns read nothing from the cache and write it again")],
                              notes: "With cache_control on the system prompt, a timestamp at its start makes every request write a new cache entry."))
        }
        do {
            var b = Knobs(model: sonnet, minCacheable: 1024, paragraphs: 8)
            b.serve.templateSorts = false
            var i = b; i.serve.toolDiscovery = "concurrent"; i.timeout = 90
            specs.append(Spec(cause: "tool-schema-order", split: .heldout, family: "claude", kind: .anthropic, product: "Coho Logistics", tools: 8,
                              base: b, inc: i, workload: wl(0.08, 2...5),
                              evidence: [("cfg.discovery", "tools are now gathered concurrently; their order is no longer fixed"),
                                         ("req.miss", "tool order differs between requests and cache reads drop to zero")],
                              notes: "Tools come first in Anthropic's cached prefix; a per-request tool order invalidates the whole cache. The timeout change is benign."))
        }
        do {
            let b = Knobs(model: "gpt-4o-2024-08-06", minCacheable: 1024, paragraphs: 9)
            var i = b; i.paragraphs = -9; i.logLevel = "DEBUG"
            specs.append(Spec(cause: "cache-prefix-too-short", split: .dev, family: "gpt4o", kind: .openAI, product: "Lamna Health FAQ", tools: 3,
                              base: b, inc: i, workload: wl(0.12, 1...2, user: 30...150),
                              evidence: [("tpl.compact", "system prompt compacted to well under 1,024 tokens"),
                                         ("req.miss", "cached_tokens stays 0: prompts are below the provider's minimum cacheable length")],
                              notes: "OpenAI caches only prompts of at least 1,024 tokens; after compaction the stable prefix is far below that. The template change is the trigger but adds no dynamic content."))
        }
        do {
            let b = Knobs(model: sonnet, minCacheable: 1024, paragraphs: 5)
            var i = b; i.model = haiku; i.minCacheable = 2048
            specs.append(Spec(cause: "cache-prefix-too-short", split: .heldout, family: "claude", kind: .anthropic, product: "Southridge Video", tools: 5,
                              base: b, inc: i, workload: wl(0.1, 1...2, user: 30...120),
                              evidence: [("cfg.model", "model switched to one whose minimum cacheable prompt is 2,048 tokens"),
                                         ("req.miss", "no cache reads or writes although cache_control is set")],
                              notes: "The cached prefix (tools + system) is long enough for the old model's 1,024-token minimum but below the new model's 2,048."))
        }
        do {
            let b = Knobs(model: "gpt-4o-2024-08-06", minCacheable: 1024, paragraphs: 9)
            var i = b; i.logLevel = "DEBUG"; i.timeout = 120; i.temperature = "0.30"
            specs.append(Spec(cause: "healthy", split: .dev, family: "gpt4o", kind: .openAI, product: "Lamna Health FAQ", tools: 4,
                              base: b, inc: i, workload: wl(0.1, 1...4), evidence: [],
                              notes: "Benign diffs only: log level, timeout, temperature spelled 0.30."))
        }
        return specs.enumerated().map { build($0.element, seed: seed &+ 0xA11 &+ UInt64($0.offset) &* 104729) }
    }

    static func build(_ spec: Spec, seed: UInt64) -> GeneratedCase {
        var rng = SeededRNG(seed: seed)
        let (baseID, incID) = Naming.servePair(spec.family, rng: &rng)
        let t0 = Naming.start(rng: &rng)
        let t1 = t0.adding(Double(rng.int(1...6)) * 86400 + Double(rng.int(0...20000)))
        let material = PromptMaterial(product: spec.product, paragraphs: abs(spec.base.paragraphs), toolCount: spec.tools, rng: &rng)
        let s = rng.next()
        let b = run(spec, spec.base, material: material, runID: baseID, baseline: nil, start: t0, seed: s)
        let i = run(spec, spec.inc, material: material, runID: incID, baseline: baseID, start: t1, seed: s &+ 1)
        var asm = CaseAssembler()
        for (p, t) in b.files { asm.put("runs/\(baseID)/\(p)", t) }
        for (p, t) in i.files { asm.put("runs/\(incID)/\(p)", t) }
        var ev: [KeyEvidence] = []
        for (key, why) in spec.evidence {
            guard let (file, line) = i.marks[key] else { fatalError("no mark \(key) for \(spec.cause); hit \(b.hit) -> \(i.hit); prefix \(b.prefix) -> \(i.prefix)") }
            ev.append(KeyEvidence(file: file, line: line, why: why))
        }
        let notes = spec.notes + String(format: " Stable prefix (tools + system): baseline %d tokens, incident %d tokens. Simulated cache read share of prompt tokens: baseline %.1f%%, incident %.1f%%.", b.prefix, i.prefix, b.hit * 100, i.hit * 100)
        let truth = Truth(runID: incID, cause: spec.cause, onsetTime: spec.cause == "healthy" ? nil : t1.iso, onsetStep: nil,
                          evidence: spec.cause == "healthy" ? [] : ev, notes: notes)
        return asm.build(cause: spec.cause, split: spec.split, truth: truth)
    }
}
