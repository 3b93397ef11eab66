import Foundation

/// Prompt-caching incident cases: each is a baseline and an incident run of one simulated
/// deployment, differing by a real change of inputs.
enum ServingCases {
    struct Spec {
        var cause: String
        var split: Split
        var family: String
        var setup: ServeSetup
        var base: ServeKnobs
        var inc: ServeKnobs
        var degrade = false
        var lowFactor = 0.6
        var evidence: [(String, String)]
        var notes: String
    }

    static func build(_ spec: Spec, seed: UInt64) -> GeneratedCase {
        var rng = SeededRNG(seed: seed)
        let (baseID, incID) = Naming.servePair(spec.family, rng: &rng)
        let t0 = Naming.start(rng: &rng)
        let t1 = t0.adding(Double(rng.int(2...9)) * 86400 + Double(rng.int(0...20000)))
        let simSeed = rng.next()
        let b = ServeBuilder.run(spec.setup, spec.base, runID: baseID, baseline: nil, start: t0, seed: simSeed, lowBelow: 0, degradeOnset: false)
        let i = ServeBuilder.run(spec.setup, spec.inc, runID: incID, baseline: baseID, start: t1, seed: simSeed &+ 1,
                                 lowBelow: b.hitRate * spec.lowFactor, degradeOnset: spec.degrade)
        var asm = CaseAssembler()
        for (p, t) in b.files { asm.put("runs/\(baseID)/\(p)", t) }
        for (p, t) in i.files { asm.put("runs/\(incID)/\(p)", t) }
        var ev: [KeyEvidence] = []
        for (key, why) in spec.evidence {
            guard let (file, line) = i.marks[key] else { fatalError("no mark \(key) for \(spec.cause) (\(incID)); hit \(b.hitRate) -> \(i.hitRate)") }
            ev.append(KeyEvidence(file: file, line: line, why: why))
        }
        let notes = spec.notes + String(format: " Simulated token hit rate: baseline %.1f%%, incident %.1f%%.", b.hitRate * 100, i.hitRate * 100)
        let truth = Truth(runID: incID, cause: spec.cause, onsetTime: spec.cause == "healthy" ? nil : i.onset.iso, onsetStep: nil, evidence: spec.cause == "healthy" ? [] : ev, notes: notes)
        return asm.build(cause: spec.cause, split: spec.split, truth: truth)
    }

    static func workload(rate: Double, ramp: Bool = false, duration: Int = 600, turns: ClosedRange<Int> = 2...6, user: ClosedRange<Int> = 30...220) -> WorkloadSpec {
        var w = WorkloadSpec()
        w.userTokens = user
        w.duration = duration
        w.turns = turns
        if ramp {
            let d = Double(duration)
            w.sessionRate = { t in rate * (0.35 + 0.9 * min(1, t / (d * 0.6))) }
        } else {
            w.sessionRate = { _ in rate }
        }
        return w
    }

    static func make(seed: UInt64) -> [GeneratedCase] {
        var rng = SeededRNG(seed: seed ^ 0x5E11E)
        var specs: [Spec] = []
        func material(_ product: String, _ paragraphs: Int, _ tools: Int) -> PromptMaterial {
            PromptMaterial(product: product, paragraphs: paragraphs, toolCount: tools, rng: &rng)
        }

        let v1 = "0.10.2", v0 = "0.6.6.post1", sg = "0.5.3"
        func base(_ name: String, port: Int = 8000) -> ServeKnobs { var k = ServeKnobs(); k.servedName = name; k.port = port; return k }

        // prompt-prefix-unstable
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .qwen14L40S, material: material("Acme Retail", 9, 6),
                                   workload: workload(rate: 0.18), metrics: .folder, gateway: true, version: v1)
            let b = base("retail-assist")
            var i = b; i.prompt = .timestampHeader; i.logLevel = "warning"
            specs.append(Spec(cause: "prompt-prefix-unstable", split: .dev, family: "qwen14", setup: setup, base: b, inc: i,
                              evidence: [("tpl.dynamic", "current time rendered on the first line of the system prompt, before every cacheable block"),
                                         ("log.low", "prefix cache hit rate collapses after the template change")],
                              notes: "The system prompt template now starts with the current date and time, so no two requests share their first KV block. Log level change is benign."))
        }
        do {
            var setup = ServeSetup(engine: .sglangNew, config: .sglangLaunch, profile: .qwen14L40S, material: material("Northwind Travel", 8, 5),
                                   workload: workload(rate: 0.16), metrics: .timestampedFile, requestLog: true, gateway: true, version: sg)
            setup.accessLogs = false
            var b = base("travel-agent", port: 30000); b.util = 0.88
            var i = b; i.prompt = .requestIDHeader; i.port = 30001; i.servedName = "travel-agent-v2"
            specs.append(Spec(cause: "prompt-prefix-unstable", split: .dev, family: "qwen", setup: setup, base: b, inc: i,
                              evidence: [("tpl.dynamic", "a per-request id is rendered before the static system prompt"),
                                         ("log.low", "#cached-token falls to a small fraction of #new-token"),
                                         ("req.miss", "follow-up turns of a session get no cached tokens")],
                              notes: "Request ids at the top of the system prompt make every prefix unique. The port and served-model-name changes are benign."))
        }

        // tool-schema-order
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmLaunch, profile: .llama8L4, material: material("Contoso Billing", 6, 9),
                                   workload: workload(rate: 0.15), metrics: .timestampedFile, requestLog: true, gateway: true, version: v1)
            var b = base("billing-bot"); b.templateSorts = false; b.util = 0.9
            var i = b; i.toolDiscovery = "concurrent"
            specs.append(Spec(cause: "tool-schema-order", split: .dev, family: "llama8b", setup: setup, base: b, inc: i,
                              evidence: [("gw.discovery", "tools now registered in completion order of concurrent MCP discovery"),
                                         ("log.low", "prefix cache hit rate drops although the prompt template is unchanged"),
                                         ("req.miss", "tool list order differs from request to request")],
                              notes: "The template renders tools in registry order; concurrent discovery makes that order vary per request, so the cached prefix ends at the first tool."))
        }
        do {
            let setup = ServeSetup(engine: .sglangOld, config: .sglangLaunch, profile: .qwen14L40S, material: material("Fabrikam IT Helpdesk", 7, 8),
                                   workload: workload(rate: 0.17), metrics: .folder, gateway: true, version: "0.3.6")
            var b = base("helpdesk", port: 30000); b.toolDiscovery = "concurrent"; b.util = 0.88
            var i = b; i.templateSorts = false; i.seed = 1234
            specs.append(Spec(cause: "tool-schema-order", split: .dev, family: "helpdesk", setup: setup, base: b, inc: i,
                              evidence: [("tpl.toolloop", "the sort filter on the tool loop was dropped"),
                                         ("log.low", "cache hit rate in Prefill batch lines falls after the change")],
                              notes: "Tool discovery was already concurrent; the template used to sort tools by name. Dropping the sort lets tool order vary per request. Seed change is benign."))
        }

        // prefix-caching-disabled
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .llama8L4, material: material("Litware Docs", 8, 4),
                                   workload: workload(rate: 0.14), metrics: .folder, version: v1)
            let b = base("docs-qa")
            var i = b; i.caching = false; i.logLevel = "debug"
            specs.append(Spec(cause: "prefix-caching-disabled", split: .dev, family: "llama8b", setup: setup, base: b, inc: i,
                              evidence: [("cfg.caching", "prefix caching switched off in the engine config"),
                                         ("log.engine-config", "engine started with enable_prefix_caching=False")],
                              notes: "enable-prefix-caching set to false; hits go to zero. Log level change is benign."))
        }
        do {
            let setup = ServeSetup(engine: .vllmV0, config: .vllmV0Launch, profile: .mistralA10, material: material("Tailspin Support", 7, 5),
                                   workload: workload(rate: 0.12), metrics: .timestampedFile, accessLogs: true, version: v0)
            let b = base("support-7b")
            var i = b; i.caching = false; i.servedName = "support-7b-prod"
            specs.append(Spec(cause: "prefix-caching-disabled", split: .dev, family: "mistral", setup: setup, base: b, inc: i,
                              evidence: [("log.args", "args show enable_prefix_caching=False: the rewritten entrypoint no longer passes --enable-prefix-caching"),
                                         ("log.engine-config", "engine initialized with enable_prefix_caching=False")],
                              notes: "The V0 engine only caches prefixes with --enable-prefix-caching; the rewritten entrypoint dropped it, so vllm:gpu_prefix_cache_hit_rate reads -1 and the hit-rate log line disappears. Served name change is benign."))
        }
        do {
            let setup = ServeSetup(engine: .sglangNew, config: .sglangLaunch, profile: .qwen14L40S, material: material("Proseware Legal", 9, 3),
                                   workload: workload(rate: 0.15), metrics: .folder, version: sg)
            var b = base("legal-assist", port: 30000); b.util = 0.88
            var i = b; i.caching = false
            specs.append(Spec(cause: "prefix-caching-disabled", split: .heldout, family: "qwen14", setup: setup, base: b, inc: i,
                              evidence: [("cfg.caching", "--disable-radix-cache added to the launch command"),
                                         ("log.args", "server_args show disable_radix_cache=True")],
                              notes: "The radix (prefix) cache was disabled; #cached-token stays at zero."))
        }

        // cache-capacity-eviction
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .qwen14L40S, material: material("Woodgrove Banking", 8, 6),
                                   workload: workload(rate: 0.24, ramp: true, turns: 3...8), metrics: .folder, gateway: true, version: v1)
            var b = base("bank-assist"); b.maxNumSeqs = 48
            var i = b; i.util = 0.72; i.userTurnWrapper = "The customer wrote:"
            specs.append(Spec(cause: "cache-capacity-eviction", split: .dev, family: "qwen14", setup: setup, base: b, inc: i, degrade: true, lowFactor: 0.9,
                              evidence: [("cfg.util", "gpu-memory-utilization lowered, shrinking the KV cache"),
                                         ("log.kv-size", "KV cache holds far fewer tokens than before"),
                                         ("log.low", "prefix cache hit rate falls as load rises")],
                              notes: "Memory utilization was lowered to make room for a sidecar; under the afternoon ramp, cached session prefixes are evicted and requests preempted. The user-turn wrapper edit comes after the cached prefix and is harmless."))
        }
        do {
            var w = workload(rate: 0.28, ramp: true, turns: 2...3)
            w.outputTokens = 600...1400; w.userTokens = 100...600
            let setup = ServeSetup(engine: .vllmV0, config: .vllmV0Launch, profile: .qwen14L40S, material: material("Adatum Research", 4, 3),
                                   workload: w, metrics: .timestampedFile, version: v0)
            var b = base("research-14b"); b.maxNumSeqs = 16; b.util = 0.85
            var i = b; i.maxNumSeqs = 128; i.port = 8080
            specs.append(Spec(cause: "cache-capacity-eviction", split: .dev, family: "llama8b", setup: setup, base: b, inc: i, degrade: true, lowFactor: 0.9,
                              evidence: [("cfg.seqs", "max-num-seqs raised eightfold on the same KV cache"),
                                         ("log.preempt", "sequence groups preempted for lack of KV cache space")],
                              notes: "More concurrent sequences share the same cache; growing decodes exhaust it, requests are preempted and recomputed (recomputed prompts re-hit their own blocks, so the token hit rate moves little: preemptions and a full KV cache are the signal). Port change is benign."))
        }
        do {
            let setup = ServeSetup(engine: .sglangOld, config: .sglangLaunch, profile: .qwen14L40S, material: material("Relecloud Sales", 8, 5),
                                   workload: workload(rate: 0.22, ramp: true, turns: 3...8), metrics: .folder, version: "0.3.6")
            var b = base("sales-copilot", port: 30000); b.util = 0.9; b.maxNumSeqs = 48
            var i = b; i.util = 0.72; i.logLevel = "warning"
            specs.append(Spec(cause: "cache-capacity-eviction", split: .heldout, family: "sales", setup: setup, base: b, inc: i, degrade: true, lowFactor: 0.9,
                              evidence: [("cfg.util", "mem-fraction-static lowered"),
                                         ("log.kv-size", "KV cache allocated with fewer tokens"),
                                         ("log.low", "cache hit rate falls while token usage is near full")],
                              notes: "A smaller static memory fraction leaves less room for the radix cache; hits fall as load rises."))
        }

        // cache-prefix-too-short
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmLaunch, profile: .llama8L4, material: material("Intent Router", 0, 0),
                                   workload: workload(rate: 0.9, turns: 1...1), metrics: .folder, version: v1)
            let b = base("intent-clf")
            var i = b; i.blockSize = 128; i.seed = 7
            specs.append(Spec(cause: "cache-prefix-too-short", split: .dev, family: "llama8b", setup: setup, base: b, inc: i,
                              evidence: [("cfg.block", "block size raised to 128 tokens, longer than the shared instruction prefix"),
                                         ("log.low", "prefix cache hit rate stays at zero although the prompt is unchanged")],
                              notes: "Only full blocks are cached; the shared instruction prefix is about a hundred tokens, so with 128-token blocks no block is ever shared. Seed change is benign."))
        }

        // cache-routing-affinity
        do {
            var setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .llama8A100, material: material("Globex Agent", 3, 4),
                                   workload: workload(rate: 0.45, turns: 4...9, user: 300...1200), metrics: .folder, version: v1)
            setup.deploy = .helmProductionStack
            var b = base("agent-8b"); b.replicas = 4; b.routing = "session"
            var i = b; i.routing = "roundrobin"
            specs.append(Spec(cause: "cache-routing-affinity", split: .dev, family: "agent", setup: setup, base: b, inc: i, lowFactor: 0.75,
                              evidence: [("deploy.routing", "router switched from session affinity to round robin"),
                                         ("log.low", "per-replica prefix cache hit rate falls")],
                              notes: "Four replicas; follow-up turns now land on replicas that never saw the session's history."))
        }
        do {
            var setup = ServeSetup(engine: .vllmV1, config: .vllmLaunch, profile: .llama8A100, material: material("Initech Coder", 3, 4),
                                   workload: workload(rate: 0.5, turns: 4...9, user: 300...1200), metrics: .timestampedFile, version: v1)
            setup.deploy = .k8sService
            var b = base("coder-8b"); b.replicas = 2; b.routing = "none"
            var i = b; i.replicas = 6
            specs.append(Spec(cause: "cache-routing-affinity", split: .dev, family: "coder", setup: setup, base: b, inc: i, lowFactor: 0.75,
                              evidence: [("deploy.replicas", "replica count tripled behind a Service without session affinity"),
                                         ("log.low", "per-replica hit rate falls as requests spread over more replicas")],
                              notes: "The Service balances connections round robin; with two replicas half of follow-up turns found their prefix, with six only one in six."))
        }
        do {
            var setup = ServeSetup(engine: .sglangNew, config: .sglangLaunch, profile: .qwen14H100, material: material("Umbrella Analyst", 3, 4),
                                   workload: workload(rate: 0.4, turns: 4...9, user: 300...1200), metrics: .folder, version: sg)
            setup.deploy = .sglangRouter
            var b = base("analyst", port: 30000); b.replicas = 3; b.routing = "cache_aware"; b.util = 0.88
            var i = b; i.routing = "round_robin"
            specs.append(Spec(cause: "cache-routing-affinity", split: .heldout, family: "analyst", setup: setup, base: b, inc: i, lowFactor: 0.75,
                              evidence: [("deploy.routing", "router policy changed from cache_aware to round_robin"),
                                         ("log.low", "#cached-token drops on each worker")],
                              notes: "The SGLang router no longer sends a request to the worker holding its prefix."))
        }

        // healthy
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .qwen14L40S, material: material("Acme Retail", 8, 6),
                                   workload: workload(rate: 0.17), metrics: .folder, gateway: true, version: v1)
            var b = base("retail-assist")
            b.logLevel = "info"
            var i = b; i.servedName = "retail-assist-v3"; i.port = 8001; i.logLevel = "debug"; i.seed = 42; i.dateFooter = true
            specs.append(Spec(cause: "healthy", split: .dev, family: "qwen14", setup: setup, base: b, inc: i, evidence: [],
                              notes: "Benign diffs only: served-model-name, port, log level, seed, and a date line appended at the end of the system prompt (constant within a day, after the cached prefix)."))
        }
        do {
            let setup = ServeSetup(engine: .sglangNew, config: .sglangLaunch, profile: .qwen14L40S, material: material("Northwind Travel", 7, 5),
                                   workload: workload(rate: 0.16), metrics: .timestampedFile, requestLog: true, gateway: true, version: sg)
            var b = base("travel-agent", port: 30000); b.util = 0.88
            var i = b; i.port = 30010; i.userTurnWrapper = "Traveller message:"; i.logLevel = "warning"
            specs.append(Spec(cause: "healthy", split: .heldout, family: "travel", setup: setup, base: b, inc: i, evidence: [],
                              notes: "Benign diffs: port, log level and the user-turn wrapper text (after the cached prefix)."))
        }
        for k in specs.indices where specs[k].setup.requestLog { specs[k].setup.workload.duration = 300 }
        var out = specs.enumerated().map { build($0.element, seed: seed &+ UInt64($0.offset) &* 7919) }
        out += ProviderCases.make(seed: seed)
        return out
    }
}
