import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseReport

@Suite struct HTMLTests {
    func html(_ d: Diagnosis) throws -> String { try ReportRenderer.renderString(d, format: .html) }

    @Test func selfContainedNoScriptsNoExternalAssets() throws {
        let h = try html(SampleDiagnosis.lrTooHigh())
        #expect(h.hasPrefix("<!DOCTYPE html>"))
        #expect(!h.lowercased().contains("<script"))
        #expect(!h.contains("<link"))
        #expect(!h.contains("src="))
        #expect(!h.contains("url("))
        #expect(h.contains("<style>"))
        #expect(h.contains("banner draft"))
    }

    @Test func hostileInputStaysInert() throws {
        var d = SampleDiagnosis.lrTooHigh()
        let evil = "\"><script>alert(1)</script><img src=x onerror=alert(2)>"
        d.runID = "r1"
        d.hypotheses[0].title = evil
        d.hypotheses[0].evidence[0].excerpt = evil
        d.hypotheses[0].evidence[0].source = "logs/\(evil).log"
        d.timeline[0].label = evil
        d.charts[0].label = evil
        d.charts[0].metric = evil
        d.configDiff[0].newValue = evil
        d.inputs.unrecognizedFiles = [evil]
        d.trace[0].detail = evil
        d.symptoms[0].summary = evil
        let h = try html(d)
        #expect(!h.contains("<script"))
        #expect(!h.contains("<img"))
        #expect(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"))
        // Attribute context: aria-label of the chart holds the escaped metric.
        #expect(h.contains("aria-label=\"&quot;&gt;&lt;script&gt;"))
        let tags = h.components(separatedBy: "<").dropFirst().map { $0.prefix { $0 != " " && $0 != ">" } }
        let allowed: Set<String> = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "div", "h1", "h2",
                                    "h3", "h4", "dl", "dt", "dd", "code", "section", "ul", "li", "span", "strong", "figure",
                                    "figcaption", "svg", "rect", "line", "text", "path", "article", "p", "table", "tr",
                                    "th", "td", "pre", "details", "summary", "em", "ol"]
        for t in tags {
            let name = t.hasPrefix("/") ? String(t.dropFirst()) : String(t)
            #expect(allowed.contains(name), "unexpected tag <\(name)")
        }
    }

    @Test func everyMetricChartedWithBaselineDashedAndOnsetMarker() throws {
        let h = try html(SampleDiagnosis.lrTooHigh())
        for m in ["loss", "grad_norm", "lr", "tokens_per_s"] {
            #expect(h.contains("<figcaption>\(m)</figcaption>"), "no chart for \(m)")
        }
        #expect(h.contains("stroke-dasharray=\"6 4\""))
        #expect(h.contains("onset #1 lr-too-high @820"))
        #expect(h.contains("warmup ends, LR at peak 3e-3"))
        let lossAt = h.range(of: "<figcaption>loss</figcaption>")!.lowerBound
        let gradAt = h.range(of: "<figcaption>grad_norm</figcaption>")!.lowerBound
        let lrAt = h.range(of: "<figcaption>lr</figcaption>")!.lowerBound
        #expect(lossAt < gradAt && gradAt < lrAt)
    }

    @Test func nonFinitePointsMarkedAtTopNotDropped() throws {
        let s = ChartSeries(metric: "loss", label: "loss", baseline: false, xIsStep: true,
                            x: [0, 1, 2, 3, 4], y: [3, 2.5, .nan, 2, .infinity])
        let svg = SVGChart(metric: "loss", series: [s], markers: []).render()
        #expect(svg.components(separatedBy: "fill=\"#dc2626\"").count - 1 == 2)
        #expect(svg.contains("loss: NaN at 2"))
        #expect(svg.contains("loss: inf at 4"))
        // The line breaks at the NaN: two subpaths.
        #expect(svg.contains("M") && svg.components(separatedBy: "<path d=\"M").count >= 2)
    }

    @Test func longSeriesThinnedKeepingSpikesAndNaN() {
        var y = (0..<100_000).map { Double($0 % 7) }
        y[54_321] = 1e6
        y[77_777] = .nan
        let s = ChartSeries(metric: "loss", label: "loss", baseline: false, xIsStep: true,
                            x: (0..<100_000).map(Double.init), y: y)
        let pts = SVGChart.thin(s)
        #expect(pts.count <= 1600)
        #expect(pts.contains { $0.1 == 1e6 })
        #expect(pts.contains { $0.1.isNaN })
        #expect(zip(pts, pts.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(SVGChart(metric: "loss", series: [s], markers: []).render().count < 200_000)
    }

    @Test func degenerateSeriesDoNotCrash() {
        let cases = [
            ChartSeries(metric: "loss", label: "empty", baseline: false, xIsStep: true, x: [], y: []),
            ChartSeries(metric: "loss", label: "one", baseline: false, xIsStep: true, x: [5], y: [1]),
            ChartSeries(metric: "loss", label: "all nan", baseline: false, xIsStep: true, x: [1, 2], y: [.nan, .nan]),
            ChartSeries(metric: "lr", label: "ragged", baseline: false, xIsStep: false, x: [1, 2, 3], y: [1]),
            ChartSeries(metric: "mfu", label: "huge", baseline: false, xIsStep: true, x: [0, 1], y: [-1e300, 1e300]),
        ]
        for c in cases {
            #expect(SVGChart(metric: c.metric, series: [c], markers: [ChartMarker(x: 1, label: "m", kind: .event)])
                .render().hasSuffix("</svg>"))
        }
    }

    @Test func logScaleWhenRangeSpansMoreThanTwoDecades() {
        let wide = SVGChart.yAxis(metric: "grad_norm", values: [0.5, 2, 40, 3000])
        #expect(wide.log)
        #expect(wide.ticks.first == 0.1 && wide.ticks.last == 10_000)
        #expect(!SVGChart.yAxis(metric: "grad_norm", values: [0.5, 2, 40]).log)
        #expect(!SVGChart.yAxis(metric: "lr", values: [1e-7, 1e-3]).log)
        #expect(!SVGChart.yAxis(metric: "loss", values: [0, 10, 5000]).log)
    }

    @Test func niceTicks() {
        let a = ChartAxis.linear(0, 2000, count: 7)
        #expect(a.ticks == [0, 500, 1000, 1500, 2000])
        let b = ChartAxis.linear(2.13, 10.4)
        #expect(b.ticks == [2, 4, 6, 8, 10, 12])
        let c = ChartAxis.linear(0, 3e-3)
        #expect(c.ticks.count >= 4 && c.ticks.count <= 8)
        #expect(ChartAxis.label(0.0005) == "0.0005")
        #expect(ChartAxis.label(5e-5) == "5e-5")
        #expect(ChartAxis.label(40_000) == "40k")
        #expect(ChartAxis.linear(5, 5).ticks.count >= 2)
        #expect(ChartAxis.linear(.nan, .nan).ticks == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1] || ChartAxis.linear(.nan, .nan).ticks.count == 6)
    }

    @Test func markerLabelsDoNotOverlap() {
        let s = ChartSeries(metric: "loss", label: "loss", baseline: false, xIsStep: true, x: [0, 1000], y: [1, 2])
        let markers = (0..<5).map { ChartMarker(x: Double(400 + $0 * 5), label: "event number \($0) here", kind: .event) }
        let svg = SVGChart(metric: "loss", series: [s], markers: markers).render()
        var ys = Set<String>()
        for part in svg.components(separatedBy: "font-size=\"10\"").dropLast() {
            if let r = part.range(of: "y=\"", options: .backwards) {
                ys.insert(String(part[r.upperBound...].prefix { $0 != "\"" }))
            }
        }
        #expect(ys.count == 5)
    }

    @Test func writesSampleWhenAsked() throws {
        let h = try html(SampleDiagnosis.lrTooHigh())
        if let path = ProcessInfo.processInfo.environment["DIAGNOSE_SAMPLE_HTML"] {
            try Data(h.utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(h.contains("</html>"))
    }
}
