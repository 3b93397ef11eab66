/// A sustained step change in a series, found by comparing medians of adjacent windows and
/// subtracting the local trend, so a smoothly decaying loss or a warm-up ramp is not a step.
struct StepChange {
    /// Index of the first point at the new level.
    let index: Int
    /// Median of the window before and of everything from the change to the end.
    let before: Double
    let after: Double
    /// Trend-corrected jump, in units of the series' point noise.
    let z: Double

    var relative: Double { before != 0 ? (after - before) / abs(before) : (after == before ? 0 : .infinity) }

    /// The strongest sustained step in `v` at or after `start`, or nil when there is none with
    /// |z| ≥ `minZ`. `window` points are compared each side.
    static func strongest(_ v: [Double], start: Int = 0, window: Int? = nil, minZ: Double = 8) -> StepChange? {
        let n = v.count
        let w = window ?? max(5, min(50, n / 12))
        guard n >= 3 * w, w >= 2 else { return nil }
        var sigma = Stats.noise(v)
        let level = Stats.median(v)
        if !(sigma > 0) { sigma = max(abs(level) * 1e-6, 1e-12) }
        let scale = sigma * 1.25 * (3.0 / Double(w)).squareRoot()
        var best: StepChange?
        var lo = max(start, w * 2)
        if lo > n - w { lo = max(start, w) }
        guard lo <= n - w else { return nil }
        for k in lo...(n - w) {
            let l1 = Stats.median(v[(k - w)..<k])
            let r1 = Stats.median(v[k..<(k + w)])
            var trend = 0.0
            var parts = 0
            if k - 2 * w >= 0 { trend += l1 - Stats.median(v[(k - 2 * w)..<(k - w)]); parts += 1 }
            if k + 2 * w <= n { trend += Stats.median(v[(k + w)..<(k + 2 * w)]) - r1; parts += 1 }
            if parts > 0 { trend /= Double(parts) }
            // A trend only explains a jump in its own direction, and at most as large as itself.
            let jump = r1 - l1
            let corrected = (jump > 0) == (trend > 0) ? (abs(jump) > abs(trend) ? jump - trend : 0) : jump
            let z = corrected / scale
            if abs(z) >= minZ, abs(z) > abs(best?.z ?? 0) {
                best = StepChange(index: k, before: l1, after: Stats.median(v[k...]), z: z)
            }
        }
        guard let b = best else { return nil }
        // Sustained: the level after the change stays on the new side for the rest of the series.
        let jump = Stats.median(v[b.index..<min(n, b.index + w)]) - b.before
        let persisted = b.after - b.before
        guard jump != 0, persisted / jump >= 0.5 else { return nil }
        return b
    }
}
