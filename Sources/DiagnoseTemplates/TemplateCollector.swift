import DiagnoseCore

/// Mines every log line of one run with one `TemplateMiner` and remembers where each template
/// first occurred, so ingest can store `TemplateStat`s (templates keyed by text, so their ids are
/// stable across runs).
///
/// Not thread-safe: one collector per run ingest.
public final class TemplateCollector {
    public let miner: TemplateMiner
    private var sources: [String] = []
    private var sourceIndex: [String: Int32] = [:]
    private var firstSource: [Int32] = []
    private var firstLine: [Int] = []
    private var firstOffset: [Int64] = []
    private var currentSource: Int32 = -1

    public init(configuration: TemplateMiner.Configuration = .init()) {
        miner = TemplateMiner(configuration: configuration)
    }

    /// Makes `source` (a path relative to the run folder) the file the next lines come from.
    public func beginFile(_ source: String) {
        if let i = sourceIndex[source] {
            currentSource = i
        } else {
            currentSource = Int32(sources.count)
            sourceIndex[source] = currentSource
            sources.append(source)
        }
    }

    /// Mines one line (or `\r` frame) of the current file; `line` is 1-based, `offset` the byte
    /// offset of its first byte. Returns the template id local to this collector.
    @discardableResult
    public func add(_ bytes: UnsafeRawBufferPointer, line: Int, offset: Int64) -> Int32 {
        let id = miner.add(bytes)
        if Int(id) >= firstLine.count {
            firstSource.append(currentSource)
            firstLine.append(line)
            firstOffset.append(offset)
        }
        return id
    }

    /// Every template with its count and first occurrence; `id` maps a template's text to the
    /// index's stable id (the local id where it returns nil). Sorted by source, then first line.
    public func stats(id: (String) -> Int64? = { _ in nil }) -> [TemplateStat] {
        var earliest: [Int32: Int32] = [:]
        for local in 0..<Int32(firstLine.count) {
            let c = miner.canonicalID(local)
            if earliest[c] == nil { earliest[c] = local }
        }
        let out = miner.templates.map { t -> TemplateStat in
            let i = Int(earliest[t.id] ?? t.id)
            let s = Int(firstSource[i])
            return TemplateStat(id: id(t.text) ?? Int64(t.id), text: t.text, count: t.count,
                                source: s >= 0 && s < sources.count ? sources[s] : "", firstLine: firstLine[i],
                                firstOffset: firstOffset[i])
        }
        return out.sorted { ($0.source, $0.firstLine, $0.text) < ($1.source, $1.firstLine, $1.text) }
    }
}
