import Foundation

/// Robust statistics over plain arrays. Empty input gives NaN where a value is undefined;
/// callers check `isFinite` before using a result.
enum Stats {
    /// Scale factor that makes the MAD a consistent estimator of a Gaussian's σ.
    static let madScale = 1.4826

    static func median(_ v: [Double]) -> Double {
        if v.isEmpty { return .nan }
        let s = v.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    static func median<C: Collection>(_ v: C) -> Double where C.Element == Double { median(Array(v)) }

    /// Median absolute deviation, scaled to σ units.
    static func mad(_ v: [Double]) -> Double {
        let m = median(v)
        guard m.isFinite else { return .nan }
        return madScale * median(v.map { abs($0 - m) })
    }

    static func quantile(_ v: [Double], _ q: Double) -> Double {
        if v.isEmpty { return .nan }
        let s = v.sorted()
        let pos = max(0, min(1, q)) * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    static func mean(_ v: [Double]) -> Double {
        v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
    }

    /// Point-to-point noise σ estimated from first differences (robust to trends and level shifts).
    static func noise(_ v: [Double]) -> Double {
        guard v.count >= 3 else { return .nan }
        var d = [Double](); d.reserveCapacity(v.count - 1)
        for i in 1..<v.count { d.append(v[i] - v[i - 1]) }
        return mad(d) / 2.0.squareRoot()
    }

    /// Centred rolling median with `half` points either side (shrinks at the edges). Wide windows
    /// are evaluated on a grid of about 64 points per window and held in between, so the cost
    /// stays near O(n·log w) whatever the width.
    static func rollingMedian(_ v: [Double], half: Int) -> [Double] {
        let n = v.count
        guard n > 0 else { return [] }
        if half <= 64 { return slidingMedian(v, half: half) }
        let step = max(1, half / 32)
        var out = [Double](repeating: 0, count: n)
        var window = [Double](); window.reserveCapacity(2 * half + 1)
        var i = 0
        while i < n {
            let c = min(n - 1, i + step / 2)
            let lo = max(0, c - half), hi = min(n - 1, c + half)
            window.removeAll(keepingCapacity: true)
            for j in lo...hi { window.append(v[j]) }
            window.sort()
            let m = window.count
            let med = m % 2 == 1 ? window[m / 2] : (window[m / 2 - 1] + window[m / 2]) / 2
            for j in i..<min(n, i + step) { out[j] = med }
            i += step
        }
        return out
    }

    /// Exact centred rolling median for narrow windows: one sorted buffer, updated by binary
    /// search as the window slides (O(n·w) moves of a few words, no per-point sort).
    private static func slidingMedian(_ v: [Double], half: Int) -> [Double] {
        let n = v.count
        var out = [Double](repeating: 0, count: n)
        var buf: [Double] = []
        buf.reserveCapacity(2 * half + 2)
        func position(_ x: Double) -> Int {
            var lo = 0, hi = buf.count
            while lo < hi { let m = (lo + hi) / 2; if buf[m] < x { lo = m + 1 } else { hi = m } }
            return lo
        }
        var lo = 0, hi = -1
        for i in 0..<n {
            let wantLo = max(0, i - half), wantHi = min(n - 1, i + half)
            while hi < wantHi { hi += 1; buf.insert(v[hi], at: position(v[hi])) }
            while lo < wantLo {
                let p = position(v[lo])
                if p < buf.count, buf[p] == v[lo] { buf.remove(at: p) }
                else if let q = buf.firstIndex(where: { $0 == v[lo] || ($0.isNaN && v[lo].isNaN) }) { buf.remove(at: q) }
                lo += 1
            }
            let m = buf.count
            out[i] = m % 2 == 1 ? buf[m / 2] : (buf[m / 2 - 1] + buf[m / 2]) / 2
        }
        return out
    }

    /// Medians of every forward window: `out[k]` = median of `v[k..<k+w]` (k ≤ n−w), computed
    /// with one sliding sorted buffer.
    static func windowMedians(_ v: [Double], w: Int) -> [Double] {
        let n = v.count
        guard w >= 1, n >= w else { return [] }
        var buf = v[0..<w].sorted()
        func position(_ x: Double) -> Int {
            var lo = 0, hi = buf.count
            while lo < hi { let m = (lo + hi) / 2; if buf[m] < x { lo = m + 1 } else { hi = m } }
            return lo
        }
        var out = [Double](repeating: 0, count: n - w + 1)
        for k in 0...(n - w) {
            if k > 0 {
                let old = v[k - 1]
                let p = position(old)
                if p < buf.count, buf[p] == old { buf.remove(at: p) }
                else if let q = buf.firstIndex(where: { $0 == old || ($0.isNaN && old.isNaN) }) { buf.remove(at: q) }
                let new = v[k + w - 1]
                buf.insert(new, at: position(new))
            }
            out[k] = w % 2 == 1 ? buf[w / 2] : (buf[w / 2 - 1] + buf[w / 2]) / 2
        }
        return out
    }

    /// Medians of consecutive buckets of `size` points.
    static func bucketMedians(_ v: [Double], size: Int) -> [Double] {
        guard size > 1 else { return v }
        var out: [Double] = []
        out.reserveCapacity(v.count / size + 1)
        var i = 0
        while i < v.count { out.append(median(v[i..<min(v.count, i + size)])); i += size }
        return out
    }

    /// Least-squares line y = a + b·x.
    static func linearFit(x: [Double], y: [Double]) -> (a: Double, b: Double)? {
        let n = Double(x.count)
        guard x.count == y.count, x.count >= 2 else { return nil }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for i in 0..<x.count { sxx += (x[i] - mx) * (x[i] - mx); sxy += (x[i] - mx) * (y[i] - my) }
        guard sxx > 0 else { return nil }
        let b = sxy / sxx
        return (my - b * mx, b)
    }
}
