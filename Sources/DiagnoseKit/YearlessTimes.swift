import DiagnoseCore
import DiagnoseText

/// Some emitters stamp lines without a year (vLLM `INFO 05-12 08:01:39`, SGLang `[15:15:50]`,
/// syslog): their parsers place them in 1970. Such times are moved into the year the run started
/// (`run.yaml`'s `started_at`, else the earliest full timestamp in the run), so reports show real
/// dates and the times line up with the rest of the run. Times within one file keep their order.
enum YearlessTimes {
    /// Times before this (one year after the epoch) are taken as year-less.
    static let cutoff = 366.0 * 86400

    static func fix(_ obs: inout RunObservations) {
        let times = obs.series.flatMap { $0.points.compactMap(\.time) } + obs.events.compactMap(\.value.time)
        guard times.contains(where: { $0 < cutoff }) else { return }
        var reference: Double? = obs.manifest.startedAt.flatMap { Timestamps.parse($0) }
        if reference == nil { reference = times.filter { $0 >= cutoff }.min() }
        guard let ref = reference else { return }
        // The start of the reference's year, as seconds since 1970 (whose year start is 0).
        let year = Int(ref / 86400 / 365.2425) + 1970
        let shift = Double(Timestamps.daysFromCivil(year, 1, 1)) * 86400
        func move(_ t: Double?) -> Double? { t.map { $0 < cutoff ? $0 + shift : $0 } }
        for i in obs.series.indices {
            for j in obs.series[i].points.indices { obs.series[i].points[j].time = move(obs.series[i].points[j].time) }
        }
        for i in obs.events.indices { obs.events[i].value.time = move(obs.events[i].value.time) }
    }
}
