import DiagnoseCore
import DiagnoseText
import Foundation

/// Inspect AI eval logs in the zipped `.eval` form (FORMATS.md D.4; Inspect's
/// `log/_recorders/eval.py`): a ZIP archive of JSON members, read through `ZipArchive` one
/// member at a time and through the same pieces as the JSON form (`InspectLogParser`), so
/// scores, samples, settings and a failed status come out as they do from the `.json` log.
///
/// Members read:
/// - `header.json` (a finished log: the `EvalLog` without samples): status, `results.scores`,
///   the generation settings;
/// - without it, `_journal/start.json` (`{version, eval, plan}`, written when the eval starts):
///   the settings, and a problem saying the log has not finished;
/// - the older layout's `start.json` plus `results.json` (`{status, stats, results, error}`);
/// - `samples/<id>_epoch_<n>.json`, one `EvalSample` each.
///
/// `summaries.json`, `_journal/summaries/N.json` and `reductions.json` repeat what the samples and
/// the header hold, and are not read (the JSON form's `reductions` is not read either).
///
/// Citations: a record's source is `path!member` and its line a line within that member's JSON,
/// e.g. `logs/2026-11-03T08-00-00_gsm8k_abc.eval!samples/3_epoch_1.json:1` for a sample (the
/// member is the sample's object, so line 1) or `…eval!header.json:91` for a score (the line of
/// its metric's key, as in the JSON form). The file's line count is the sum of its JSON members'
/// lines, so a member's line is always within it for the grounding check.
///
/// Zstandard members (zip method 93), which recent Inspect releases can write, are refused by name
/// (no zstd library is linked).
///
/// Bad input never stops the read and is never silent: an archive that cannot be read at all
/// (not a ZIP, ZIP64, a corrupt directory), a member that cannot be read (deflate errors, a CRC
/// mismatch, a compression method other than stored or deflate, a declared inflated size above
/// 64 MiB, the cap of every whole JSON document, `ConfigSupport.maxDocumentBytes`; the reader's
/// own cap is 256 MiB) or a member that is not JSON is a problem with its reason and
/// counts one unparsed line; an archive cut short (a partial copy: no central directory) is read
/// from its complete local headers, reported, and counts one more.
public struct InspectEvalZipParser: FormatParser {
    public let id = "inspect-eval"
    public init() {}
    public var readsBinary: Bool { true }

    /// Members written by Inspect that this parser knows as the log's header.
    static let headerMembers = ["header.json", "_journal/start.json", "start.json", "results.json"]

    public func sniff(_ head: FileHead) -> Double {
        let zip = ZipArchive.hasZipMagic(head.bytes)
        // Inspect names its zipped logs `.eval`; one that is not a ZIP is still claimed, so it is
        // reported as a broken log rather than read as text.
        if head.ext == "eval" { return zip ? 0.97 : 0.5 }
        guard zip, head.bytes.count >= 30 else { return 0 }
        // A renamed log: the first local header names one of Inspect's members.
        let nameLength = Int(head.bytes[26]) | Int(head.bytes[27]) << 8
        guard head.bytes.count >= 30 + nameLength else { return 0 }
        let first = String(decoding: head.bytes[30..<(30 + nameLength)], as: UTF8.self)
        return Self.headerMembers.contains(first) || Self.isSample(first) ? 0.9 : 0
    }

    static func isSample(_ name: String) -> Bool { name.hasPrefix("samples/") && name.hasSuffix(".json") }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(path: input.absolutePath, limit: input.limit)
        } catch {
            sink.problem(line: nil, "Inspect .eval log not read: \(error)")
            sink.unparsed(line: 1)
            return
        }
        if let cut = archive.cutShort {
            sink.problem(line: nil, "Inspect .eval log: \(ZipError.truncated(cut))")
            sink.unparsed(line: 1)
        }
        // A member written twice (a log appended to) counts as its last copy, as Python reads it.
        var latest: [String: ZipEntry] = [:]
        for e in archive.entries { latest[e.name] = e }
        var lines = 0

        /// One member as JSON, or nil after reporting why not (the sink's member is set to it).
        func document(_ name: String) -> (value: JSONValue, entries: [FlatEntry], lines: [String: Int])? {
            guard let entry = latest[name] else { return nil }
            sink.member = name
            let bytes: [UInt8]
            do {
                bytes = try archive.read(entry, cap: min(ZipArchive.maxMemberBytes, Int64(ConfigSupport.maxDocumentBytes)))
            } catch {
                var message = "\(error)"
                if case .unsupportedMethod(_, 93) = error {
                    // Recent Inspect releases write Zstandard members; its own CLI converts them.
                    message += "; `inspect log convert --to json` writes the JSON form, which is read"
                }
                sink.problem(line: nil, message)
                sink.unparsed(line: 1)
                return nil
            }
            lines += ConfigSupport.lineCount(bytes)
            let keyLines = bytes.withUnsafeBytes { JSONKeyLines.index($0) }
            let r = JSONConfigReader.read(bytes)
            if let e = r.error { sink.problem(line: e.line, "truncated or malformed JSON in Inspect log member: \(e.message)") }
            guard let v = r.value else {
                sink.unparsed(line: r.error?.line ?? 1)
                return nil
            }
            return (v, r.entries, keyLines)
        }

        var context = InspectLogParser.Context(task: "inspect", maxTokens: nil, stops: [])
        if let header = document("header.json") {
            InspectLogParser.status(header.value, lines: header.lines, into: sink)
            context = InspectLogParser.context(header.value)
            InspectLogParser.scores(header.value, task: context.task, lines: header.lines, into: sink)
            InspectLogParser.settings(header.entries, into: sink)
        } else {
            // No readable header: a log still running (or stopped before finishing) has its start
            // in the journal; the older layout has `start.json` and `results.json`.
            let startName = latest["_journal/start.json"] != nil ? "_journal/start.json" : "start.json"
            if let start = document(startName) {
                context = InspectLogParser.context(start.value)
                InspectLogParser.settings(start.entries, into: sink)
            }
            if let results = document("results.json") {
                InspectLogParser.status(results.value, lines: results.lines, into: sink)
                InspectLogParser.scores(results.value, task: context.task, lines: results.lines, into: sink)
            } else if latest["header.json"] == nil, latest["results.json"] == nil {
                sink.member = nil
                sink.problem(line: nil, latest[startName] == nil
                    ? "Inspect .eval log without header.json or _journal/start.json: no scores or settings read"
                    : "Inspect eval has not finished: no header.json (only \(startName)), so no scores")
            }
        }
        for name in latest.keys.filter(Self.isSample).sorted(by: Self.sampleOrder) {
            guard let sample = document(name) else { continue }
            sink.emit(InspectLogParser.sample(sample.value, context, line: 1))
        }
        sink.member = nil
        sink.progress(lines: lines)
    }

    /// `samples/<id>_epoch_<n>.json` by epoch then id (numbers as numbers), as Inspect sorts them.
    static func sampleOrder(_ a: String, _ b: String) -> Bool {
        let ka = sampleKey(a), kb = sampleKey(b)
        if ka.epoch != kb.epoch { return ka.epoch < kb.epoch }
        if let x = Int(ka.id), let y = Int(kb.id), x != y { return x < y }
        if ka.id != kb.id { return ka.id < kb.id }
        return a < b
    }

    static func sampleKey(_ name: String) -> (id: String, epoch: Int) {
        var stem = Substring(name.dropFirst("samples/".count).dropLast(".json".count))
        guard let r = stem.range(of: "_epoch_", options: .backwards), let epoch = Int(stem[r.upperBound...]) else {
            return (String(stem), 0)
        }
        stem = stem[..<r.lowerBound]
        return (String(stem), epoch)
    }
}
