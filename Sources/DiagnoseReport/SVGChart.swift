import Foundation
import DiagnoseCore

/// A vertical line on a chart: a hypothesis onset or a key timeline event.
public struct ChartMarker: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case onset, event }
    public var x: Double
    public var label: String
    public var kind: Kind
    public init(x: Double, label: String, kind: Kind) { self.x = x; self.label = label; self.kind = kind }
}

/// One inline SVG chart of every series of one metric: run series solid, baseline dashed,
/// markers as labelled vertical lines, non-finite points as red marks at the top edge.
/// All text from inputs is escaped; coordinates are printed with fixed precision.
public struct SVGChart: Sendable {
    public var metric: String
    public var series: [ChartSeries]
    public var markers: [ChartMarker]
    public var width: Double = 760
    public var height: Double = 300

    public init(metric: String, series: [ChartSeries], markers: [ChartMarker]) {
        self.metric = metric; self.series = series; self.markers = markers
    }

    /// Metrics whose range is shown on a log axis when it spans more than two decades.
    static let logCandidates: Set<String> = ["loss", "eval_loss", "grad_norm", "loss_scale", "params_norm"]
    static let runColors = ["#2563eb", "#dc2626", "#059669", "#7c3aed", "#d97706", "#0891b2"]
    static let baselineColors = ["#6b7280", "#a8a29e", "#94a3b8"]

    /// Color of the i-th run or baseline series (the legend uses the same).
    static func color(baseline: Bool, index: Int) -> String {
        baseline ? baselineColors[index % baselineColors.count] : runColors[index % runColors.count]
    }

    /// The y axis for these values: log when the metric allows it and the range is wide.
    static func yAxis(metric: String, values: [Double]) -> ChartAxis {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return .linear(0, 1) }
        if logCandidates.contains(metric), lo > 0, hi / lo > 100 { return .logarithmic(lo, hi) }
        return .linear(lo, hi)
    }

    public func render() -> String {
        let left = 72.0, right = 24.0, bottom = 46.0
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let xAxis = ChartAxis.linear(xs.min() ?? 0, xs.max() ?? 1, count: 7)
        let yAxis = SVGChart.yAxis(metric: metric, values: series.flatMap(\.y))
        let visible = markers.filter { $0.x.isFinite && $0.x >= xAxis.lo && $0.x <= xAxis.hi }
            .sorted { ($0.x, $0.label) < ($1.x, $1.label) }
        let plotW = width - left - right

        // Marker labels go in rows above the plot so they never cover the data or each other.
        var rowEnds: [Double] = []
        var placed: [(ChartMarker, Int, Double, Bool)] = []
        for m in visible {
            let text = SVGChart.short(m.label)
            let w = Double(text.count) * 5.6 + 6
            let px = left + xAxis.fraction(m.x) * plotW
            let flip = px + w > width - 2
            let start = flip ? px - w : px
            var row = rowEnds.firstIndex { $0 < start } ?? rowEnds.count
            if row == rowEnds.count {
                if rowEnds.count < 5 { rowEnds.append(0) } else { row = rowEnds.indices.min { rowEnds[$0] < rowEnds[$1] }! }
            }
            rowEnds[row] = start + w
            placed.append((m, row, px, flip))
        }
        let top = 12.0 + Double(rowEnds.count) * 13
        let plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + xAxis.fraction(x) * plotW }
        func py(_ y: Double) -> Double { top + (1 - yAxis.fraction(y)) * plotH }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(esc(metric)) chart\" font-family=\"system-ui, sans-serif\" font-size=\"11\">"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"#fff\" stroke=\"#cbd5e1\"/>"
        for t in yAxis.ticks {
            let y = py(t)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#eef2f7\"/>"
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y))\" x2=\"\(f(left))\" y2=\"\(f(y))\" stroke=\"#475569\"/>"
            s += "<text x=\"\(f(left - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\" fill=\"#334155\">\(esc(ChartAxis.label(t)))</text>"
        }
        for t in xAxis.ticks {
            let x = px(t)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#eef2f7\"/>"
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#475569\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\" fill=\"#334155\">\(esc(ChartAxis.label(t)))</text>"
        }
        let xName = series.first?.xIsStep ?? true ? "step" : "seconds since first point"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" fill=\"#0f172a\">\(esc(xName))</text>"
        let yName = metric + (yAxis.log ? " (log scale)" : "")
        s += "<text transform=\"translate(14 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#0f172a\">\(esc(yName))</text>"

        var runIndex = 0, baseIndex = 0
        var order: [(ChartSeries, String)] = []
        for sr in series {
            let c = SVGChart.color(baseline: sr.baseline, index: sr.baseline ? baseIndex : runIndex)
            if sr.baseline { baseIndex += 1 } else { runIndex += 1 }
            order.append((sr, c))
        }
        // Baselines underneath, the run on top.
        for (sr, c) in order.filter({ $0.0.baseline }) + order.filter({ !$0.0.baseline }) {
            var d = ""
            var pen = false
            var bad: [(Double, Double)] = []
            for (x, y) in SVGChart.thin(sr) {
                guard x.isFinite else { pen = false; continue }
                guard y.isFinite else { bad.append((x, y)); pen = false; continue }
                d += (pen ? "L" : "M") + f(px(x)) + " " + f(py(y))
                pen = true
            }
            if !d.isEmpty {
                let dash = sr.baseline ? " stroke-dasharray=\"6 4\"" : ""
                s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"\(sr.baseline ? "1.5" : "1.8")\"\(dash) stroke-linejoin=\"round\"><title>\(esc(sr.label))</title></path>"
            }
            for (x, y) in bad {
                let cx = px(x)
                s += "<path d=\"M\(f(cx - 4)) \(f(top + 1))L\(f(cx + 4)) \(f(top + 1))L\(f(cx)) \(f(top + 8))Z\" fill=\"#dc2626\"><title>\(esc(sr.label)): \(TextFormat.number(y)) at \(TextFormat.number(x))</title></path>"
            }
        }
        for (m, row, x, flip) in placed {
            let stroke = m.kind == .onset ? "#dc2626" : "#64748b"
            let dash = m.kind == .onset ? "5 3" : "2 3"
            let ly = 10.0 + Double(row) * 13 + 9
            s += "<line x1=\"\(f(x))\" y1=\"\(f(ly - 8))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"\(stroke)\" stroke-dasharray=\"\(dash)\" stroke-width=\"1.2\"/>"
            let anchor = flip ? "end" : "start"
            let tx = flip ? x - 3 : x + 3
            s += "<text x=\"\(f(tx))\" y=\"\(f(ly))\" text-anchor=\"\(anchor)\" fill=\"\(stroke)\" font-size=\"10\">\(esc(SVGChart.short(m.label)))<title>\(esc(m.label))</title></text>"
        }
        s += "</svg>"
        return s
    }

    /// At most `limit` points per series, keeping each bucket's extremes and every non-finite
    /// point, so a spike survives thinning and the SVG stays small.
    static func thin(_ s: ChartSeries, limit: Int = 1500) -> [(Double, Double)] {
        let pts = Array(zip(s.x, s.y))
        guard pts.count > limit else { return pts }
        let bucket = (pts.count + limit / 2 - 1) / (limit / 2)
        var out: [(Double, Double)] = []
        var i = 0
        while i < pts.count {
            let chunk = pts[i..<min(i + bucket, pts.count)]
            var lo: Int? = nil, hi: Int? = nil
            for j in chunk.indices {
                let y = pts[j].1
                if !y.isFinite { continue }
                if lo == nil || y < pts[lo!].1 { lo = j }
                if hi == nil || y > pts[hi!].1 { hi = j }
            }
            let keep = Set([lo, hi].compactMap { $0 } + chunk.indices.filter { !pts[$0].1.isFinite })
            for j in keep.sorted() { out.append(pts[j]) }
            i += bucket
        }
        return out
    }

    static func short(_ label: String) -> String {
        let t = TextFormat.clean(label)
        return t.count > 40 ? String(t.prefix(39)) + "…" : t
    }

    private func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    private func esc(_ s: String) -> String { TextFormat.html(TextFormat.clean(s)) }
}
