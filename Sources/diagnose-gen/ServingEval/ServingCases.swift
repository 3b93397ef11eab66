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

    static func workload(rate: Double, ramp: Bool = false, duration: Int = 720, turns: ClosedRange<Int> = 2...6) -> WorkloadSpec {
        var w = WorkloadSpec()
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

        // prompt-prefix-unstable
        do {
            let setup = ServeSetup(engine: .vllmV1, config: .vllmYAML, profile: .qwen14L40S, material: material("Acme Retail", 9, 6),
                                   workload: workload(rate: 0.18), metrics: .folder, gateway: true, version: "0.10.2")
            var base = ServeKnobs(); base.servedName = "retail-assist"
            var inc = base; inc.prompt = .timestampHeader; inc.logLevel = "warning"
            specs.append(Spec(cause: "prompt-prefix-unstable", split: .dev, family: "qwen14", setup: setup, base: base, inc: inc,
                              evidence: [("tpl.dynamic", "current time rendered on the first line of the system prompt, before every cacheable block"),
                                         ("log.low", "prefix cache hit rate collapses after the template change")],
                              notes: "The system prompt template now starts with the current date and time, so no two requests share their first KV block."))
        }
        return specs.enumerated().map { build($0.element, seed: seed &+ UInt64($0.offset) &* 7919) }
    }
}
