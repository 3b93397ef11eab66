import Foundation

/// Axis scaling and "nice" tick placement for the report's charts.
public struct ChartAxis: Sendable, Equatable {
    /// The axis range (already widened to tick values).
    public var lo: Double
    public var hi: Double
    /// Base-10 log scale.
    public var log: Bool
    /// Tick values, ascending.
    public var ticks: [Double]

    /// A linear axis covering `[lo, hi]` widened to nice tick values (about `count` ticks).
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 5) -> ChartAxis {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad; hi += pad
        }
        let step = niceNumber((hi - lo) / Double(max(1, count - 1)), round: true)
        let first = (lo / step).rounded(.down) * step
        let last = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let t = first + Double(k) * step
            if t > last + step * 1e-9 || k > 50 { break }
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            k += 1
        }
        return ChartAxis(lo: first, hi: last, log: false, ticks: ticks)
    }

    /// A base-10 log axis over positive `[lo, hi]`, ticks at powers of ten.
    public static func logarithmic(_ lo: Double, _ hi: Double) -> ChartAxis {
        let a = Foundation.floor(log10(lo)), b = Foundation.ceil(log10(hi))
        let stride = max(1, ((b - a) / 6).rounded(.up))
        var ticks: [Double] = []
        var e = a
        while e <= b { ticks.append(pow(10, e)); e += stride }
        return ChartAxis(lo: pow(10, a), hi: pow(10, max(b, a + 1)), log: true, ticks: ticks)
    }

    /// Position of `v` in [0, 1] along the axis (clamped at the ends for log axes).
    public func fraction(_ v: Double) -> Double {
        if log {
            let l = log10(lo), h = log10(hi)
            return (log10(max(v, lo)) - l) / (h - l)
        }
        return (v - lo) / (hi - lo)
    }

    /// Heckbert's nice numbers: 1, 2, 5 times a power of ten.
    static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let e = Foundation.floor(log10(x))
        let f = x / pow(10, e)
        let nf: Double
        if round { nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10 } else { nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10 }
        return nf * pow(10, e)
    }

    /// A tick label: short and stable ("0.0003", "3e-5", "1.2k", "1e6").
    public static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-3 { return TextFormat.number(v, digits: 3) }
        if a >= 1e4, v == v.rounded() {
            let k = v / 1000
            return TextFormat.number(k, digits: 4) + "k"
        }
        return TextFormat.number(v, digits: 4)
    }
}
