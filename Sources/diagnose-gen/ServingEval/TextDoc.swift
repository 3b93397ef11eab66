import Foundation

/// A text file built line by line, remembering the 1-based line number (as `grep -n` counts) of
/// marked lines so truth.yaml can cite them exactly.
struct TextDoc {
    private(set) var lines: [String] = []
    private(set) var marks: [String: Int] = [:]

    /// Appends one line (must not contain `\n`); returns its 1-based number.
    @discardableResult
    mutating func add(_ line: String, mark: String? = nil) -> Int {
        precondition(!line.contains("\n"), "a TextDoc line must not contain a newline")
        lines.append(line)
        if let mark, marks[mark] == nil { marks[mark] = lines.count }
        return lines.count
    }

    /// Appends a block of text, splitting on `\n`; the mark goes to the block's first line.
    mutating func addBlock(_ block: String, mark: String? = nil) {
        var first = true
        for l in block.split(separator: "\n", omittingEmptySubsequences: false) {
            add(String(l), mark: first ? mark : nil)
            first = false
        }
    }

    /// Marks the first line (1-based) containing `needle` at or after `from`.
    mutating func mark(_ name: String, containing needle: String, from: Int = 1) {
        guard marks[name] == nil else { return }
        for i in max(0, from - 1)..<lines.count where lines[i].contains(needle) {
            marks[name] = i + 1
            return
        }
    }

    var count: Int { lines.count }
    var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
}

/// Finds the 1-based line number of the first line containing `needle` in a whole text.
func lineNumber(of needle: String, in text: String, from: Int = 1) -> Int? {
    var n = 0
    for l in text.split(separator: "\n", omittingEmptySubsequences: false) {
        n += 1
        if n >= from && l.contains(needle) { return n }
    }
    return nil
}

/// One cited line of truth.yaml.
struct KeyEvidence {
    var file: String
    var line: Int
    var why: String
}

/// The truth.yaml of one case (CONTRACT.md §4).
struct Truth {
    var runID: String
    var cause: String
    var onsetTime: String?
    var onsetStep: Int?
    var evidence: [KeyEvidence]
    var notes: String

    var yaml: String {
        var s = "run_id: \(runID)\ncause: \(cause)\n"
        if let onsetStep { s += "onset_step: \(onsetStep)\n" }
        if let onsetTime { s += "onset_time: \(onsetTime)\n" }
        if evidence.isEmpty {
            s += "key_evidence: []\n"
        } else {
            s += "key_evidence:\n"
            for e in evidence {
                s += "  - {file: \(e.file), line: \(e.line), why: \(yamlQuote(e.why))}\n"
            }
        }
        s += "notes: \(yamlQuote(notes))\n"
        return s
    }
}

func yamlQuote(_ s: String) -> String {
    var out = "\""
    for ch in s {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.append(ch)
        }
    }
    return out + "\""
}

/// Collects the files of one case and checks every cited line before the case is returned.
struct CaseAssembler {
    var files: [CaseFile] = []

    mutating func put(_ path: String, _ content: String) {
        files.append(CaseFile(path: path, content: content))
    }

    /// Builds the case, verifying that each key-evidence line exists in the named run's file.
    func build(cause: String, split: Split, truth: Truth) -> GeneratedCase {
        for e in truth.evidence {
            let path = "runs/\(truth.runID)/\(e.file)"
            guard let f = files.first(where: { $0.path == path }) else {
                fatalError("truth cites missing file \(path) (\(cause))")
            }
            let n = f.content.split(separator: "\n", omittingEmptySubsequences: false).count - (f.content.hasSuffix("\n") ? 1 : 0)
            precondition(e.line >= 1 && e.line <= n, "truth cites line \(e.line) beyond \(n) in \(path)")
        }
        return GeneratedCase(cause: cause, split: split, truthYAML: truth.yaml, files: files)
    }
}
