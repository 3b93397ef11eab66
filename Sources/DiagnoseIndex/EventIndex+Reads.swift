import DiagnoseCore
import Foundation

extension EventIndex {
    /// Points kept per metric series in observations (see `reduce`).
    public static let defaultMaxPointsPerSeries = 5000
    /// Points kept across all series of a run: with hundreds of ranks each series gets a share
    /// (never below 500), so memory stays bounded whatever the run's size.
    public static let pointBudget = 1_500_000

    /// Everything known about a run, typed, for analysis.
    public func observations(run name: String, maxPointsPerSeries: Int = EventIndex.defaultMaxPointsPerSeries) throws
        -> RunObservations? {
        guard let runID = try runID(named: name) else { return nil }
        let runRow = try db.query("SELECT root, manifest FROM runs WHERE id = ?1", [.int(runID)])[0]
        var manifest = RunManifest()
        if let json = runRow[1].text, let m = try? JSONDecoder().decode(RunManifest.self, from: Data(json.utf8)) {
            manifest = m
        }
        let files = try self.files(run: runID)
        var pathOf: [Int64: String] = [:]
        for f in files { pathOf[f.id] = f.path }
        let ingested = files.map {
            IngestedFile(path: $0.path, format: $0.format, lines: $0.linesDone, bytes: $0.size,
                         unparsedLines: $0.unparsedLines, note: $0.note)
        }
        let fileFilter = "file_id IN (SELECT id FROM files WHERE run_id = \(runID) AND state = 'current')"

        // Metric series, one at a time (chunks of a series are contiguous in this order), each
        // reduced to at most `maxPointsPerSeries` so memory stays bounded on runs with hundreds
        // of ranks: the reduction keeps every bucket's extremes and every non-finite point.
        let seriesCount = try db.scalarInt(
            "SELECT count(*) FROM (SELECT 1 FROM metric_chunks WHERE \(fileFilter) GROUP BY file_id, name, rank, label)") ?? 0
        let maxPointsPerSeries = max(500, min(maxPointsPerSeries, Self.pointBudget / max(1, Int(seriesCount))))
        var series: [MetricSeries] = []
        var current: (file: Int64, name: String, rank: Int?, label: String?)? = nil
        var points: [MetricPoint] = []
        func finish() {
            guard let c = current, !points.isEmpty else { return }
            points = Self.sortedByStep(points)
            if points.count > maxPointsPerSeries { points = Self.reduce(points, to: maxPointsPerSeries) }
            series.append(MetricSeries(name: MetricName(c.name), rank: c.rank, label: c.label,
                                       source: pathOf[c.file] ?? "?", points: points))
            points = []
        }
        let ms = try db.prepare("""
            SELECT file_id, name, rank, label, data FROM metric_chunks WHERE \(fileFilter)
            ORDER BY file_id, name, rank, label, id
            """)
        while try ms.step() {
            let key = (file: ms.int(0)!, name: ms.text(1)!, rank: ms.int(2).map { Int($0) }, label: ms.text(3))
            if let c = current, c.file != key.file || c.name != key.name || c.rank != key.rank || c.label != key.label {
                finish()
            }
            current = key
            MetricCodec.decode(ms.blob(4), name: MetricName(key.name), rank: key.rank, label: key.label, into: &points)
            if points.count > 4 * maxPointsPerSeries {
                // Bound memory while a very long series is still loading.
                points = Self.reduce(Self.sortedByStep(points), to: 2 * maxPointsPerSeries)
            }
        }
        finish()
        series.sort { ($0.source, $0.name.rawValue, $0.rank ?? -1, $0.label ?? "") < ($1.source, $1.name.rawValue, $1.rank ?? -1, $1.label ?? "") }

        // Events.
        var events: [Sourced<LogEvent>] = []
        let dec = JSONDecoder()
        let es = try db.prepare("""
            SELECT file_id, line, line_count, byte_offset, time, step, rank, severity, kind, message, detail
            FROM events WHERE \(fileFilter) ORDER BY file_id, line, id
            """)
        while try es.step() {
            let detail = es.text(10).flatMap { try? dec.decode(EventDetail.self, from: Data($0.utf8)) }
            let e = LogEvent(line: Int(es.int(1)!), byteOffset: es.int(3)!, lineCount: Int(es.int(2)!),
                             time: es.double(4), step: es.int(5).map { Int($0) }, rank: es.int(6).map { Int($0) },
                             severity: Severity(rawValue: Int(es.int(7)!)) ?? .info, kind: EventKind(es.text(8)!),
                             message: es.text(9) ?? "", detail: detail)
            events.append(Sourced(source: pathOf[es.int(0)!] ?? "?", value: e))
        }
        events.sort { ($0.source, $0.value.line) < ($1.source, $1.value.line) }

        // Eval.
        var scores: [Sourced<EvalScore>] = []
        for r in try db.query("""
            SELECT file_id, line, task, metric, filter, value, stderr, n_shot, samples, member FROM eval_scores
            WHERE \(fileFilter) ORDER BY file_id, member, line, task, metric
            """) {
            scores.append(Sourced(source: Self.source(path: pathOf[r[0].int!] ?? "?", member: r[9].text), value: EvalScore(
                task: r[2].text ?? "", metric: r[3].text ?? "", filter: r[4].text, value: r[5].double ?? .nan,
                stderr: r[6].double, nShot: r[7].int.map { Int($0) }, samples: r[8].int.map { Int($0) },
                line: Int(r[1].int!))))
        }
        var samples: [Sourced<EvalSample>] = []
        for r in try db.query("""
            SELECT file_id, line, task, doc_id, correct, traits, target, response, extracted, finish_reason, member
            FROM eval_samples WHERE \(fileFilter) ORDER BY file_id, member, line
            """) {
            let traits = (r[5].text ?? "").split(separator: ",").compactMap { GenerationTrait(rawValue: String($0)) }
            samples.append(Sourced(source: Self.source(path: pathOf[r[0].int!] ?? "?", member: r[10].text), value: EvalSample(
                task: r[2].text ?? "", docID: r[3].text ?? "", correct: r[4].int.map { $0 != 0 }, traits: traits,
                target: r[6].text, response: r[7].text, extracted: r[8].text, finishReason: r[9].text,
                line: Int(r[1].int!))))
        }

        // Configs, grouped into documents.
        struct DocKey: Hashable { let file: Int64; let member: String?; let document: String; let kind: String }
        var docs: [DocKey: [ConfigEntry]] = [:]
        var docOrder: [DocKey] = []
        for r in try db.query("""
            SELECT file_id, document, kind, key, value, line, secret, member FROM config_entries
            WHERE \(fileFilter) ORDER BY file_id, rowid
            """) {
            let k = DocKey(file: r[0].int!, member: r[7].text, document: r[1].text ?? "", kind: r[2].text ?? "other")
            if docs[k] == nil { docOrder.append(k) }
            let value = (try? dec.decode(ConfigValue.self, from: Data((r[4].text ?? "null").utf8))) ?? .null
            docs[k, default: []].append(ConfigEntry(key: r[3].text ?? "", value: value, line: r[5].int.map { Int($0) },
                                                    secret: r[6].int == 1))
        }
        let configs = docOrder.map {
            ConfigDocument(path: Self.source(path: pathOf[$0.file] ?? "?", member: $0.member), document: $0.document,
                           kind: ConfigKind(rawValue: $0.kind) ?? .other, entries: docs[$0]!)
        }.sorted { ($0.path, $0.document) < ($1.path, $1.document) }

        // Templates: per template, total count and first occurrence in this run.
        var templates: [TemplateStat] = []
        let ts = try db.prepare("""
            SELECT t.id, t.text, sum(c.count), c.file_id, min(c.first_line), min(c.first_offset)
            FROM template_chunks c JOIN templates t ON t.id = c.template_id
            WHERE c.\(fileFilter) GROUP BY t.id, c.file_id ORDER BY t.id, c.file_id
            """)
        var byTemplate: [Int64: TemplateStat] = [:]
        while try ts.step() {
            let id = ts.int(0)!
            let count = Int(ts.int(2)!)
            let path = pathOf[ts.int(3)!] ?? "?"
            if var t = byTemplate[id] {
                t.count += count
                if path < t.source { t.source = path; t.firstLine = Int(ts.int(4)!); t.firstOffset = ts.int(5)! }
                byTemplate[id] = t
            } else {
                byTemplate[id] = TemplateStat(id: id, text: ts.text(1) ?? "", count: count, source: path,
                                              firstLine: Int(ts.int(4)!), firstOffset: ts.int(5)!)
            }
        }
        templates = byTemplate.values.sorted { $0.id < $1.id }

        return RunObservations(runID: name, root: runRow[0].text ?? "", manifest: manifest, files: ingested,
                               series: series, events: events, evalScores: scores, evalSamples: samples,
                               configs: configs, templates: templates)
    }

    /// Points in step order (then line, then arrival), as detectors expect.
    static func sortedByStep(_ pts: [MetricPoint]) -> [MetricPoint] {
        pts.enumerated().sorted { a, b in
            let sa = a.element.step ?? Int.min, sb = b.element.step ?? Int.min
            if sa != sb { return sa < sb }
            if a.element.line != b.element.line { return a.element.line < b.element.line }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Reduces a long series to about `target` points: the first and last points, each bucket's
    /// lowest and highest finite point, and every non-finite point (up to a cap), in order. Spikes,
    /// dips, onsets of NaN and the overall shape survive; every kept point keeps its line.
    static func reduce(_ pts: [MetricPoint], to target: Int) -> [MetricPoint] {
        guard pts.count > target, target >= 4 else { return pts }
        let buckets = max(1, (target - 2) / 2)
        let size = Double(pts.count) / Double(buckets)
        var keep = [Bool](repeating: false, count: pts.count)
        keep[0] = true
        keep[pts.count - 1] = true
        var nonFinite = 0
        for b in 0..<buckets {
            let lo = Int(Double(b) * size), hi = min(pts.count, Int(Double(b + 1) * size))
            guard lo < hi else { continue }
            var minI = -1, maxI = -1
            for i in lo..<hi {
                let v = pts[i].value
                if !v.isFinite {
                    if nonFinite < target { keep[i] = true; nonFinite += 1 }
                    continue
                }
                if minI < 0 || v < pts[minI].value { minI = i }
                if maxI < 0 || v > pts[maxI].value { maxI = i }
            }
            if minI >= 0 { keep[minI] = true }
            if maxI >= 0 { keep[maxI] = true }
        }
        return pts.indices.filter { keep[$0] }.map { pts[$0] }
    }

    /// Full-text search over event messages and template texts of a run. Template hits are
    /// expanded to their occurrences, whose raw lines are re-read from the files by byte offset.
    public func search(run name: String, query: String, limit: Int = 200) throws -> [SearchHit] {
        guard let runID = try runID(named: name) else { return [] }
        let root = try db.query("SELECT root FROM runs WHERE id = ?1", [.int(runID)])[0][0].text ?? ""
        let match = Self.ftsQuery(query)
        var hits: [SearchHit] = []
        var seen: Set<String> = []
        let ev = try db.prepare("""
            SELECT f.path, e.line, e.byte_offset FROM events_fts
            JOIN events e ON e.id = events_fts.rowid JOIN files f ON f.id = e.file_id
            WHERE events_fts MATCH ?1 AND f.run_id = ?2 AND f.state = 'current'
            ORDER BY f.path, e.line LIMIT ?3
            """)
        try ev.bind([.text(match), .int(runID), .int(Int64(limit))])
        var wanted: [(String, Int, Int64)] = []
        while try ev.step() { wanted.append((ev.text(0)!, Int(ev.int(1)!), ev.int(2)!)) }
        let tp = try db.prepare("""
            SELECT f.path, c.first_line, c.first_offset, c.lines, c.offsets FROM templates_fts
            JOIN template_chunks c ON c.template_id = templates_fts.rowid JOIN files f ON f.id = c.file_id
            WHERE templates_fts MATCH ?1 AND f.run_id = ?2 AND f.state = 'current'
            ORDER BY f.path, c.first_line
            """)
        try tp.bind([.text(match), .int(runID)])
        while try tp.step(), wanted.count < limit * 4 {
            let path = tp.text(0)!
            var line = Int(tp.int(1)!)
            var offset = tp.int(2)!
            let lineDeltas = Varint.decodeAll(tp.blob(3))
            let offsetDeltas = Varint.decodeAll(tp.blob(4))
            wanted.append((path, line, offset))
            for (dl, doff) in zip(lineDeltas, offsetDeltas) where wanted.count < limit * 4 {
                line += Int(dl); offset += Int64(doff)
                wanted.append((path, line, offset))
            }
        }
        wanted.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (path, line, offset) in wanted {
            let key = "\(path):\(line)"
            if seen.contains(key) { continue }
            seen.insert(key)
            let text = RawLines.read(path: root + "/" + path, offset: offset) ?? ""
            hits.append(SearchHit(path: path, line: line, text: text))
            if hits.count >= limit { break }
        }
        return hits
    }

    /// A user query as FTS5 syntax: kept when it parses as FTS5, else quoted as phrases.
    static func ftsQuery(_ q: String) -> String {
        let words = q.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return words.map { w in "\"" + w.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }

    /// Counts of stored rows for a run (tests, bench, crash checks).
    public func counts(run name: String) throws -> [String: Int] {
        guard let runID = try runID(named: name) else { return [:] }
        let ff = "file_id IN (SELECT id FROM files WHERE run_id = \(runID) AND state = 'current')"
        var out: [String: Int] = [:]
        out["files"] = Int(try db.scalarInt("SELECT count(*) FROM files WHERE run_id = \(runID) AND state = 'current'") ?? 0)
        out["lines"] = Int(try db.scalarInt("SELECT coalesce(sum(lines_done),0) FROM files WHERE run_id = \(runID) AND state = 'current'") ?? 0)
        out["events"] = Int(try db.scalarInt("SELECT count(*) FROM events WHERE \(ff)") ?? 0)
        out["metric_points"] = Int(try db.scalarInt("SELECT coalesce(sum(count),0) FROM metric_chunks WHERE \(ff)") ?? 0)
        out["template_occurrences"] = Int(try db.scalarInt("SELECT coalesce(sum(count),0) FROM template_chunks WHERE \(ff)") ?? 0)
        out["eval_scores"] = Int(try db.scalarInt("SELECT count(*) FROM eval_scores WHERE \(ff)") ?? 0)
        out["eval_samples"] = Int(try db.scalarInt("SELECT count(*) FROM eval_samples WHERE \(ff)") ?? 0)
        out["config_entries"] = Int(try db.scalarInt("SELECT count(*) FROM config_entries WHERE \(ff)") ?? 0)
        out["pending_files"] = Int(try db.scalarInt("SELECT count(*) FROM files WHERE run_id = \(runID) AND state = 'pending'") ?? 0)
        return out
    }

    /// Problems recorded for a run's current files ("path:line: message"; "path!member:line:
    /// message" for a problem inside an archive member). With `perFile`, a file
    /// with more problems lists its first `perFile` and then one line with how many more there are,
    /// so a file of a million malformed lines cannot flood the report.
    public func problems(run name: String, perFile: Int? = nil) throws -> [String] {
        guard let runID = try runID(named: name) else { return [] }
        let rows = try db.query("""
            SELECT f.path, p.line, p.message, p.member FROM problems p JOIN files f ON f.id = p.file_id
            WHERE f.run_id = ?1 AND f.state = 'current' ORDER BY f.path, p.member, p.line
            """, [.int(runID)])
        var out: [String] = []
        var path: String? = nil
        var inFile = 0
        func closeFile() {
            if let path, let cap = perFile, inFile > cap {
                out.append("\(path): \(inFile - cap) more problems not listed (\(inFile) in all)")
            }
        }
        for r in rows {
            let p = r[0].text ?? "?"
            if p != path { closeFile(); path = p; inFile = 0 }
            inFile += 1
            if let cap = perFile, inFile > cap { continue }
            let line = r[1].int.map { ":\($0)" } ?? ""
            out.append("\(Self.source(path: p, member: r[3].text))\(line): \(r[2].text ?? "")")
        }
        closeFile()
        return out
    }
}

/// Re-reads one raw line from a file by byte offset (the index stores offsets, not lines).
public enum RawLines {
    public static func read(path: String, offset: Int64, maxBytes: Int = 4096) -> String? {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        do {
            try fh.seek(toOffset: UInt64(offset))
            guard let data = try fh.read(upToCount: maxBytes) else { return nil }
            var bytes = [UInt8](data)
            if let nl = bytes.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) { bytes.removeSubrange(nl...) }
            return String(decoding: bytes, as: UTF8.self)
        } catch { return nil }
    }
}
