import DiagnoseCore

/// The points of one series (name, rank, label) of one batch, encoded for a `metric_chunks` row.
/// Built outside the index lock so writers only bind and insert.
public struct MetricSeriesChunk: Sendable, Equatable {
    public var name: MetricName
    public var rank: Int?
    public var label: String?
    public var count: Int
    public var firstStep: Int?
    public var lastStep: Int?
    /// `count` points in `MetricCodec`'s layout, in the batch's order.
    public var data: [UInt8]

    /// Groups points into series chunks, in order of each series' first point. A batch holds a
    /// handful of series that usually repeat in the same order line after line, so the series
    /// after the last hit is tried first, then a linear scan; no point is hashed or copied.
    public static func group(_ points: [MetricPoint]) -> [MetricSeriesChunk] {
        guard !points.isEmpty else { return [] }
        var chunks: [MetricSeriesChunk] = []
        var which = [Int32](repeating: 0, count: points.count)
        var last = 0
        for i in points.indices {
            let p = points[i]
            var g = -1
            if last < chunks.count, chunks[last].matches(p) {
                g = last
            } else {
                let next = last + 1 < chunks.count ? last + 1 : 0
                if next < chunks.count, chunks[next].matches(p) {
                    g = next
                } else if let k = chunks.firstIndex(where: { $0.matches(p) }) {
                    g = k
                } else {
                    chunks.append(MetricSeriesChunk(name: p.name, rank: p.rank, label: p.label, count: 0,
                                                    firstStep: nil, lastStep: nil, data: []))
                    g = chunks.count - 1
                }
            }
            last = g
            which[i] = Int32(g)
            chunks[g].count += 1
            if let s = p.step {
                if chunks[g].firstStep.map({ s < $0 }) ?? true { chunks[g].firstStep = s }
                if chunks[g].lastStep.map({ s > $0 }) ?? true { chunks[g].lastStep = s }
            }
        }
        var fill = [Int](repeating: 0, count: chunks.count)
        for g in chunks.indices {
            chunks[g].data = [UInt8](repeating: 0, count: chunks[g].count * MetricCodec.pointSize)
        }
        for i in points.indices {
            let g = Int(which[i])
            let o = fill[g]
            chunks[g].data.withUnsafeMutableBytes { MetricCodec.store(points[i], into: $0, at: o) }
            fill[g] = o + MetricCodec.pointSize
        }
        return chunks
    }

    @inline(__always)
    private func matches(_ p: MetricPoint) -> Bool {
        rank == p.rank && name == p.name && label == p.label
    }
}
