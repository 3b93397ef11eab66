import Foundation

/// A two-token-context MLP language model trained with Adam on a Markov corpus, with the
/// machinery of a real trainer around it (schedules, accumulation, clipping, fp16 loss scaling,
/// resume, data order). Its loss curves come from optimisation, not from drawn shapes.
struct TinyTrainer {
    static let vocab = 32
    static let domains = 3
    static let dim = 8
    static let hidden = 24

    static let offEd = 0
    static let offEt = offEd + domains * dim
    static let offW1 = offEt + vocab * dim
    static let offB1 = offW1 + hidden * 3 * dim
    static let offW2 = offB1 + hidden
    static let offB2 = offW2 + vocab * hidden
    static let paramCount = offB2 + vocab

    static func initialParams(seed: UInt64) -> [Double] {
        var rng = SeededRNG(seed: seed ^ 0xA11CE)
        var p = [Double](repeating: 0, count: paramCount)
        for i in offEd..<offW1 { p[i] = rng.gaussian() * 0.5 }
        for i in offW1..<offB1 { p[i] = rng.gaussian() * (1.0 / Double(3 * dim)).squareRoot() }
        for i in offW2..<offB2 { p[i] = rng.gaussian() * (1.0 / Double(hidden)).squareRoot() }
        return p
    }

    /// Loss and gradient (added into `grad`, scaled by `weight`) over samples; returns (sum of losses, max |logit|).
    static func lossAndGrad(params: [Double], data: UnsafeBufferPointer<Int32>, indices: [Int], perm: [Int32]?,
                            grad: inout [Double], weight: Double, gradFactor: [Double]?,
                            adversarial: [Bool]?) -> (Double, Double) {
        var total = 0.0
        var maxLogit = 0.0
        var x = [Double](repeating: 0, count: 3 * dim)
        var h = [Double](repeating: 0, count: hidden)
        var z = [Double](repeating: 0, count: vocab)
        var dh = [Double](repeating: 0, count: hidden)
        params.withUnsafeBufferPointer { p in
            grad.withUnsafeMutableBufferPointer { g in
                for (k, idx) in indices.enumerated() {
                    let d = Int(data[idx * 4])
                    var a = Int(data[idx * 4 + 1]), b = Int(data[idx * 4 + 2]), c = Int(data[idx * 4 + 3])
                    if let perm { a = Int(perm[a]); b = Int(perm[b]); c = Int(perm[c]) }
                    for j in 0..<dim {
                        x[j] = p[offEd + d * dim + j]
                        x[dim + j] = p[offEt + a * dim + j]
                        x[2 * dim + j] = p[offEt + b * dim + j]
                    }
                    for i in 0..<hidden {
                        var s = p[offB1 + i]
                        let row = offW1 + i * 3 * dim
                        for j in 0..<(3 * dim) { s += p[row + j] * x[j] }
                        h[i] = tanh(s)
                    }
                    var zmax = -Double.infinity
                    for v in 0..<vocab {
                        var s = p[offB2 + v]
                        let row = offW2 + v * hidden
                        for i in 0..<hidden { s += p[row + i] * h[i] }
                        z[v] = s
                        if s > zmax { zmax = s }
                        if abs(s) > maxLogit { maxLogit = abs(s) }
                    }
                    var sum = 0.0
                    for v in 0..<vocab { z[v] = exp(z[v] - zmax); sum += z[v] }
                    if adversarial?[k] == true {
                        var worst = 0
                        for v in 1..<vocab where z[v] < z[worst] { worst = v }
                        c = worst
                    }
                    total += -log(max(z[c] / sum, 1e-300))
                    let w = weight * (gradFactor?[k] ?? 1)
                    for i in 0..<hidden { dh[i] = 0 }
                    for v in 0..<vocab {
                        let dz = (z[v] / sum - (v == c ? 1 : 0)) * w
                        g[offB2 + v] += dz
                        let row = offW2 + v * hidden
                        for i in 0..<hidden {
                            g[row + i] += dz * h[i]
                            dh[i] += dz * p[row + i]
                        }
                    }
                    for i in 0..<hidden {
                        let ds = dh[i] * (1 - h[i] * h[i])
                        g[offB1 + i] += ds
                        let row = offW1 + i * 3 * dim
                        for j in 0..<(3 * dim) { g[row + j] += ds * x[j] }
                        for j in 0..<dim {
                            g[offEd + d * dim + j] += ds * p[row + j]
                            g[offEt + a * dim + j] += ds * p[row + dim + j]
                            g[offEt + b * dim + j] += ds * p[row + 2 * dim + j]
                        }
                    }
                }
            }
        }
        return (total, maxLogit)
    }

    /// Scheduled learning rate (display units) at 1-based `step`, counting from `origin`.
    static func lr(_ s: TrainSetup, step: Int, origin: Int = 0) -> Double {
        let t = step - origin
        if s.warmup > 0 && t <= s.warmup { return s.lr * Double(t) / Double(s.warmup) }
        let total = s.decaySteps ?? s.steps
        let minLR = s.lr * s.minLRRatio
        let frac = min(1, max(0, Double(t - s.warmup) / Double(max(1, total - s.warmup))))
        switch s.schedule {
        case .constant: return s.lr
        case .linear: return s.lr - (s.lr - minLR) * frac
        case .cosine: return minLR + 0.5 * (s.lr - minLR) * (1 + cos(.pi * frac))
        }
    }

    /// Trains and returns one record per optimizer step (and the final weights).
    static func run(_ s: TrainSetup) -> (records: [StepRecord], params: [Double]) {
        let corpus = MarkovCorpus(vocab: vocab, domains: domains, seed: s.dataSeed)
        let perStep = s.microBatch * s.accum
        let needed = min(s.datasetSize, perStep * s.steps + 1)
        var data = corpus.samples(count: needed, mixture: s.mixture, seed: s.dataSeed &+ 101)
        if !s.shuffle && s.sortedByDomain {
            var blocks: [[Int32]] = Array(repeating: [], count: domains)
            for i in 0..<needed { blocks[Int(data[i * 4])] += data[(i * 4)..<(i * 4 + 4)] }
            data = blocks.flatMap { $0 }
        }
        let val = corpus.samples(count: 768, mixture: s.valMixture, seed: s.dataSeed &+ 999)
        var perm: [Int32]? = nil
        if s.permuteTokens {
            var r = SeededRNG(seed: s.dataSeed &+ 31)
            perm = (0..<vocab).map(Int32.init).shuffled(using: &r)
        }
        var rng = SeededRNG(seed: s.seed)
        var params = s.initParams ?? initialParams(seed: s.seed)
        var m = [Double](repeating: 0, count: paramCount)
        var v = [Double](repeating: 0, count: paramCount)
        var t = 0
        var scale = pow(2.0, Double(s.initialScalePower))
        var goodSteps = 0
        var hyst = s.hysteresis
        var order: [Int] = []
        var orderEpoch = -1
        var position = 0
        var lrOrigin = 0
        var records: [StepRecord] = []
        records.reserveCapacity(s.steps)
        var grad = [Double](repeating: 0, count: paramCount)

        for step in 1...s.steps {
            if let r = s.resumeAt, step == r + 1, !s.resumeKeepsState {
                for i in 0..<paramCount { m[i] = 0; v[i] = 0 }
                t = 0
                lrOrigin = r - s.warmup
                scale = pow(2.0, Double(s.initialScalePower))
                goodSteps = 0
                hyst = s.hysteresis
            }
            let lrNow = lr(s, step: step, origin: lrOrigin)
            for i in 0..<paramCount { grad[i] = 0 }
            var lossSum = 0.0
            var maxLogit = 0.0
            var nonFinite = false
            var bad: [Int] = []
            let w = s.sumAccum ? 1.0 / Double(s.microBatch) : 1.0 / Double(perStep)
            for _ in 0..<s.accum {
                var idx: [Int] = []
                var factor: [Double] = []
                var adv: [Bool] = []
                for _ in 0..<s.microBatch {
                    let epoch = position / needed
                    if epoch != orderEpoch {
                        orderEpoch = epoch
                        order = Array(0..<needed)
                        if s.shuffle {
                            var r = SeededRNG(seed: s.seed &+ UInt64(epoch) &* 7919)
                            order.shuffle(using: &r)
                        }
                    }
                    let i = order[position % needed]
                    idx.append(i)
                    switch s.badSamples[position] {
                    case .nonFinite?: nonFinite = true; bad.append(position); factor.append(1); adv.append(false)
                    case .extreme?: bad.append(position); factor.append(60); adv.append(true)
                    case nil: factor.append(1); adv.append(false)
                    }
                    position += 1
                }
                let (l, ml) = data.withUnsafeBufferPointer {
                    lossAndGrad(params: params, data: $0, indices: idx, perm: perm, grad: &grad, weight: w,
                                gradFactor: factor, adversarial: adv)
                }
                lossSum += l
                maxLogit = max(maxLogit, ml)
            }
            var bound = 0.0
            for v in 0..<vocab {
                var sum = abs(params[offB2 + v])
                for i in 0..<hidden { sum += abs(params[offW2 + v * hidden + i]) }
                bound = max(bound, sum)
            }
            maxLogit = bound
            var loss = lossSum / Double(perStep)
            if s.sumAccum { loss *= Double(s.accum) }
            if nonFinite || params.contains(where: { !$0.isFinite }) {
                loss = .nan
                for i in 0..<paramCount { grad[i] = .nan }
            }
            var norm = 0.0
            var maxAbs = 0.0
            for gi in grad { norm += gi * gi; maxAbs = max(maxAbs, abs(gi)) }
            norm = norm.squareRoot()
            if grad.contains(where: { !$0.isFinite }) { norm = .nan; maxAbs = .infinity }

            var skipped = false
            var overflow: (attempted: Double, next: Double, hysteresis: Int)? = nil
            if s.precision == .fp16 {
                let actOverflow = s.activationGain > 0 && maxLogit * s.activationGain > 65504
                if actOverflow { loss = .infinity }
                if actOverflow || !(maxAbs * scale <= 65504) {
                    skipped = true
                    let before = hyst
                    var next = scale
                    if hyst <= 1 { next = max(s.minLossScale, scale / 2) } else { hyst -= 1 }
                    overflow = (scale, next, before)
                    scale = next
                    goodSteps = 0
                } else {
                    goodSteps += 1
                    if goodSteps % s.lossScaleWindow == 0 { scale *= 2; hyst = s.hysteresis }
                }
            } else if !norm.isFinite && s.skipNonFinite {
                skipped = true
            }

            if !skipped {
                if let clip = s.clip, norm.isFinite, norm > clip {
                    let f = clip / (norm + 1e-6)
                    for i in 0..<paramCount { grad[i] *= f }
                }
                t += 1
                let b1 = 0.9, b2 = s.beta2, eps = 1e-8
                let lrModel = lrNow * s.lrGain
                let c1 = 1 - pow(b1, Double(t)), c2 = 1 - pow(b2, Double(t))
                for i in 0..<paramCount {
                    m[i] = b1 * m[i] + (1 - b1) * grad[i]
                    v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i]
                    params[i] -= lrModel * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                }
            }
            var valLoss: Double? = nil
            if step % s.evalEvery == 0 || step == s.steps {
                var dummy = [Double](repeating: 0, count: paramCount)
                let (vl, _) = val.withUnsafeBufferPointer {
                    lossAndGrad(params: params, data: $0, indices: Array(0..<768), perm: perm, grad: &dummy,
                                weight: 0, gradFactor: nil, adversarial: nil)
                }
                valLoss = params.contains(where: { !$0.isFinite }) ? .nan : vl / 768
            }
            _ = rng.next()
            records.append(StepRecord(step: step, loss: loss, gradNorm: norm, lr: lrNow, lossScale: scale,
                                      skipped: skipped, overflow: overflow,
                                      epoch: Double(position) / Double(needed), consumedSamples: position,
                                      valLoss: valLoss, badPositions: bad, maxLogit: maxLogit))
        }
        return (records, params)
    }
}
