import DiagnoseText

/// Mines the templates of one log file, for `diagnose templates <file>`.
///
/// Lines are read as bytes with `LineReader` (gzip too); `\r`-separated progress-bar frames are
/// mined one by one and share their line's number; ANSI escapes are removed before mining.
/// Launcher and logger prefixes are mined as part of the line (peeling them is the caller's
/// choice, before `TemplateMiner.add`).
public enum TemplateFile {
    /// One mined line: its 1-based number (as `grep -n` counts), its frame within the line, and
    /// its template id in `miner`.
    public struct MinedLine: Sendable, Hashable {
        public var line: Int
        public var frame: Int
        public var templateID: Int32
        public init(line: Int, frame: Int, templateID: Int32) {
            self.line = line; self.frame = frame; self.templateID = templateID
        }
    }

    /// Streams `path` through `miner`, calling `body` for every frame with its template id.
    /// The template's text may still be generalised by later lines: read it at the end.
    @discardableResult
    public static func mine(path: String, into miner: TemplateMiner,
                            _ body: (MinedLine) throws -> Void = { _ in }) throws -> ReadStats {
        var clean: [UInt8] = []
        return try LineReader(path: path).forEach { view in
            let id: Int32
            if Ansi.contains(view.bytes) {
                Ansi.strip(view.bytes, into: &clean)
                id = clean.withUnsafeBytes { miner.add($0) }
            } else {
                id = miner.add(view.bytes)
            }
            try body(MinedLine(line: view.number, frame: view.frame, templateID: id))
        }
    }

    /// Every frame of `path` with its final template id (`TemplateMiner.canonicalID`) and text.
    public static func lines(path: String, configuration: TemplateMiner.Configuration = .init())
        throws -> [(line: Int, templateID: Int32, template: String)] {
        let miner = TemplateMiner(configuration: configuration)
        var mined: [MinedLine] = []
        try mine(path: path, into: miner) { mined.append($0) }
        let texts = (0..<miner.templateCount).map { miner.template(Int32($0)) }
        return mined.map {
            (line: $0.line, templateID: miner.canonicalID($0.templateID), template: texts[Int($0.templateID)])
        }
    }

    /// The templates of `path`, most frequent first (then by id), with what the read saw: the
    /// plain `diagnose templates <file>` listing.
    public static func summary(path: String, configuration: TemplateMiner.Configuration = .init())
        throws -> (templates: [MinedTemplate], stats: ReadStats) {
        let miner = TemplateMiner(configuration: configuration)
        let stats = try mine(path: path, into: miner)
        let sorted = miner.templates.sorted { $0.count != $1.count ? $0.count > $1.count : $0.id < $1.id }
        return (sorted, stats)
    }

    /// The `diagnose templates --format csv` text: `line,template_id,template` and one row per
    /// frame, the template quoted per RFC 4180 where it needs it.
    public static func csv(_ rows: [(line: Int, templateID: Int32, template: String)]) -> String {
        var out = "line,template_id,template\n"
        for r in rows {
            out += "\(r.line),\(r.templateID),\(csvField(r.template))\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = "\""
        for c in s {
            if c == "\"" { out += "\"\"" } else { out.append(c) }
        }
        return out + "\""
    }
}
