import Foundation

/// Which part of the corpus a case belongs to: engine rules and weights are tuned only on `dev`;
/// `heldout` measures them.
enum Split: String, CaseIterable { case dev, heldout }

/// One file of a generated case, relative to the case folder (e.g. `runs/<run-id>/logs/rank0.log`).
struct CaseFile {
    var path: String
    var content: String
}

/// One generated incident case (CONTRACT.md §4). `truthYAML` is the whole truth.yaml text; its
/// key_evidence lines must point at the exact 1-based line numbers (as `grep -n` counts) in `files`.
struct GeneratedCase {
    /// The TAXONOMY.md cause (or `healthy`); used only for the balance report, never in file names.
    var cause: String
    var split: Split
    var truthYAML: String
    var files: [CaseFile]
}

/// A small deterministic PRNG (SplitMix64) so every case is reproducible from the seed.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double {
        let u1 = max(Double.leastNonzeroMagnitude, Double.random(in: 0..<1, using: &self))
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

enum CorpusWriter {
    /// Writes all cases under `out/<split>/<case-id>/`, with case ids assigned after a seeded
    /// shuffle so that ids reveal nothing about causes.
    static func write(_ cases: [GeneratedCase], to out: URL, seed: UInt64) throws {
        var rng = SeededRNG(seed: seed ^ 0xC0FFEE)
        let shuffled = cases.shuffled(using: &rng)
        let fm = FileManager.default
        var counters: [Split: Int] = [:]
        for c in shuffled {
            let n = (counters[c.split] ?? 0) + 1
            counters[c.split] = n
            let dir = out.appendingPathComponent(c.split.rawValue).appendingPathComponent(String(format: "case-%03d", n))
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
            try c.truthYAML.write(to: dir.appendingPathComponent("truth.yaml"), atomically: true, encoding: .utf8)
            for f in c.files {
                let url = dir.appendingPathComponent(f.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try f.content.write(to: url, atomically: true, encoding: .utf8)
            }
        }
    }
}
