import DiagnoseCore
@testable import DiagnoseIndex
import Testing

@Suite struct MetricSeriesChunkTests {
    /// Interleaved series as one iteration line per step yields them, plus a second rank.
    static let points: [MetricPoint] = (1...5).flatMap { step -> [MetricPoint] in
        [MetricPoint(name: .loss, value: 2.0 / Double(step), step: step, time: 100 + Double(step), rank: 0, line: step),
         MetricPoint(name: .lr, value: 3e-4, step: step, rank: 0, line: step),
         MetricPoint(name: .loss, value: .nan, step: step, rank: 0, label: "missing lm loss", line: step),
         MetricPoint(name: .loss, value: 1.0, step: 10 - step, rank: 1, line: step)]
    } + [MetricPoint(name: .lr, value: 1e-4, step: nil, rank: 0, line: 9)]

    @Test func seriesInFirstAppearanceOrderWithTheirPoints() {
        let chunks = MetricSeriesChunk.group(Self.points)
        #expect(chunks.map(\.name) == [.loss, .lr, .loss, .loss])
        #expect(chunks.map(\.rank) == [0, 0, 0, 1])
        #expect(chunks.map(\.label) == [nil, nil, "missing lm loss", nil])
        #expect(chunks.map(\.count) == [5, 6, 5, 5])
        #expect(chunks.reduce(0) { $0 + $1.count } == Self.points.count)
    }

    @Test func bytesEqualTheCodecOfEachSeries() {
        for c in MetricSeriesChunk.group(Self.points) {
            let mine = Self.points.filter { $0.name == c.name && $0.rank == c.rank && $0.label == c.label }
            #expect(c.data == MetricCodec.encode(mine[...]))
            var back: [MetricPoint] = []
            MetricCodec.decode(c.data, name: c.name, rank: c.rank, label: c.label, into: &back)
            #expect(back.map(\.line) == mine.map(\.line))
        }
    }

    @Test func stepRangeIgnoresPointsWithoutStep() {
        let chunks = MetricSeriesChunk.group(Self.points)
        #expect(chunks[1].firstStep == 1 && chunks[1].lastStep == 5)
        #expect(chunks[3].firstStep == 5 && chunks[3].lastStep == 9)
        #expect(MetricSeriesChunk.group([]).isEmpty)
        let stepless = MetricSeriesChunk.group([MetricPoint(name: .lr, value: 1, line: 1)])
        #expect(stepless.count == 1 && stepless[0].firstStep == nil && stepless[0].lastStep == nil)
    }

    @Test func preEncodedChunksAreStoredLikeRawPoints() throws {
        let a = try EventIndex(path: ":memory:")
        let b = try EventIndex(path: ":memory:")
        var raw = IndexBatch()
        raw.metrics = Self.points
        var pre = IndexBatch()
        pre.metricChunks = MetricSeriesChunk.group(Self.points)
        for (index, batch) in [(a, raw), (b, pre)] {
            let run = try index.upsertRun(name: "r", root: "/r", manifest: nil)
            let id = try index.insertFile(FileRow(runID: run, path: "logs/a.log", format: "text-log", note: nil, size: 1,
                                                  mtime: 0, headLength: 0, headHash: 0, resumable: true))
            try index.write(batch, file: id)
        }
        #expect(try a.counts(run: "r") == b.counts(run: "r"))
        #expect(try a.counts(run: "r")["metric_points"] == Self.points.count)
    }
}
