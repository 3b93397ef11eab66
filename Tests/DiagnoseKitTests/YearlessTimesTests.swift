import DiagnoseCore
import Testing
@testable import DiagnoseKit

@Suite struct YearlessTimesTests {
    @Test func yearlessStampsMoveIntoTheRunsStartYear() {
        // "INFO 11-16 18:06:31" parsed without a year: day 319 of 1970.
        let yearless = Double(319 * 86400 + 18 * 3600 + 6 * 60 + 31)
        var obs = RunObservations(runID: "r", root: "/x", manifest: RunManifest(startedAt: "2026-11-16T18:05:49Z"),
                                  series: [MetricSeries(name: .cacheHitRate, rank: nil, label: nil, source: "logs/vllm.log",
                                                        points: [MetricPoint(name: .cacheHitRate, value: 0, time: yearless, line: 23)])],
                                  events: [Sourced(source: "a.log", value: LogEvent(line: 1, byteOffset: 0, time: 1_790_000_000,
                                                                                     severity: .error, kind: .oom, message: "x"))])
        YearlessTimes.fix(&obs)
        #expect(obs.series[0].points[0].time.map(ISOTime.string(unix:)) == "2026-11-16T18:06:31Z")
        #expect(obs.events[0].value.time == 1_790_000_000)  // full timestamps are left alone
    }

    @Test func withoutAReferenceNothingMoves() {
        var obs = RunObservations(runID: "r", root: "/x", series: [MetricSeries(name: .loss, rank: nil, label: nil, source: "a",
            points: [MetricPoint(name: .loss, value: 1, time: 100, line: 1)])])
        YearlessTimes.fix(&obs)
        #expect(obs.series[0].points[0].time == 100)
    }
}
