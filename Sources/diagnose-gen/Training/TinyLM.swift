import Foundation

/// The shape of the learning-rate schedule after warm-up.
enum LRSchedule: String {
    case cosine, linear, constant
}

/// Numeric precision of the simulated run; only `fp16` uses dynamic loss scaling.
enum Precision: String {
    case bf16, fp16, fp32
}

/// A data sample that breaks training when it is drawn.
enum BadSample {
    /// Produces a non-finite loss (e.g. a corrupt record decoded to garbage).
    case nonFinite
    /// A pathological sample whose gradient is many times larger than normal.
    case extreme
}

/// Everything the simulated trainer needs; config files show a rendered subset of these.
struct TrainSetup {
    var steps = 400
    /// Learning rate as shown in configs; the tiny model trains at `lr * lrGain`.
    var lr = 3e-4
    var lrGain = 150.0
    var warmup = 30
    var schedule = LRSchedule.cosine
    /// Length of the decay phase in steps (normally `steps`).
    var decaySteps: Int? = nil
    var minLRRatio = 0.1
    var microBatch = 16
    var accum = 2
    /// Sum instead of mean over accumulated micro-batches (a normalisation bug).
    var sumAccum = false
    var clip: Double? = 1.0
    var precision = Precision.bf16
    var initialScalePower = 16
    var lossScaleWindow = 100
    var hysteresis = 1
    var minLossScale = 1.0
    /// Stand-in for the activation range of a deep model: logits times this gain must stay below fp16 max.
    var activationGain = 0.0
    var shuffle = true
    var datasetSize = 200_000
    var mixture: [Double] = [0.5, 0.3, 0.2]
    var badSamples: [Int: BadSample] = [:]
    /// Resume at this step from a checkpoint; `keepState == false` drops optimizer/scheduler/scaler state.
    var resumeAt: Int? = nil
    var resumeKeepsState = true
    /// Token ids are remapped relative to the pretrained embeddings (wrong tokenizer).
    var permuteTokens = false
    /// Start from weights pretrained on the same data (fine-tuning).
    var pretrained = false
    var seed: UInt64 = 1
    var dataSeed: UInt64 = 7
    var evalEvery = 50
    var beta2 = 0.95
    /// Skip the update when the gradient is non-finite (instead of poisoning the weights).
    var skipNonFinite = false
    /// Initial weights (from a pretraining run); random when nil.
    var initParams: [Double]? = nil
    /// Mixture used for the validation set (the intended data distribution).
    var valMixture: [Double] = [0.5, 0.3, 0.2]
    /// Group samples by mixture component when the data is not shuffled (files read in order).
    var sortedByDomain = true
}

/// One optimizer step as the trainer saw it.
struct StepRecord {
    var step: Int
    var loss: Double
    var gradNorm: Double
    var lr: Double
    var lossScale: Double
    var skipped: Bool
    /// Set when this step overflowed in fp16: (attempted scale, next scale, hysteresis before).
    var overflow: (attempted: Double, next: Double, hysteresis: Int)?
    var epoch: Double
    var consumedSamples: Int
    var valLoss: Double?
    /// Data positions drawn in this step that were bad.
    var badPositions: [Int]
    /// Upper bound of |logit| implied by the output layer (the activation range fp16 must hold).
    var maxLogit: Double
}

/// A Markov-chain corpus over a small vocabulary, one chain per mixture component.
struct MarkovCorpus {
    let vocab: Int
    let domains: Int
    /// transition[d][a*vocab+b] -> cumulative distribution over the next token.
    let cdf: [[[Double]]]

    init(vocab: Int, domains: Int, seed: UInt64) {
        self.vocab = vocab
        self.domains = domains
        var rng = SeededRNG(seed: seed)
        var all: [[[Double]]] = []
        for _ in 0..<domains {
            let base: [[Double]] = (0..<vocab).map { _ in
                var w = (0..<vocab).map { _ in pow(Double.random(in: 0..<1, using: &rng), 8) }
                w[Int.random(in: 0..<vocab, using: &rng)] += 9.0
                w[Int.random(in: 0..<vocab, using: &rng)] += 4.0
                return w
            }
            let prevHot = (0..<vocab).map { _ in Int.random(in: 0..<vocab, using: &rng) }
            var rows: [[Double]] = []
            for a in 0..<vocab {
                for b in 0..<vocab {
                    var w = base[b]
                    w[prevHot[a]] += 2.5
                    let s = w.reduce(0, +)
                    var acc = 0.0
                    rows.append(w.map { acc += $0 / s; return acc })
                }
            }
            all.append(rows)
        }
        cdf = all
    }

    /// Draws `count` (domain, a, b, next) samples following the mixture.
    func samples(count: Int, mixture: [Double], seed: UInt64) -> [Int32] {
        var rng = SeededRNG(seed: seed)
        var out = [Int32](repeating: 0, count: count * 4)
        let mix = mixture.map { $0 / mixture.reduce(0, +) }
        var a = 0, b = 1
        for i in 0..<count {
            var u = Double.random(in: 0..<1, using: &rng)
            var d = 0
            while d < domains - 1 && u >= mix[d] { u -= mix[d]; d += 1 }
            let row = cdf[d][a * vocab + b]
            let r = Double.random(in: 0..<1, using: &rng)
            var c = 0
            while c < vocab - 1 && row[c] < r { c += 1 }
            out[i * 4] = Int32(d); out[i * 4 + 1] = Int32(a); out[i * 4 + 2] = Int32(b); out[i * 4 + 3] = Int32(c)
            a = b; b = c
        }
        return out
    }
}
