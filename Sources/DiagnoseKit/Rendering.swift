import DiagnoseCore
import DiagnoseReport
import DiagnoseText
import Foundation

/// Turns a diagnosis into bytes in the requested format (redaction happens inside the renderer).
public enum Rendering {
    public static func render(_ d: Diagnosis, format: String, color: Bool) throws -> Data {
        switch format {
        case "json": return try ReportRenderer.render(d, format: .json)
        case "html": return try ReportRenderer.render(d, format: .html)
        default: return try ReportRenderer.render(d, format: .markdown(color: color))
        }
    }

    /// The JSON form of every side output: like the report's (sorted keys, no escaped slashes,
    /// non-finite numbers spelled as strings).
    static var encoder: JSONEncoder {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                  negativeInfinity: "-Infinity", nan: "NaN")
        return enc
    }

    /// Symptoms for people (Markdown) or agents (JSON), redacted.
    public static func symptoms(_ symptoms: [Symptom], runID: String, json: Bool) throws -> Data {
        let d = Redactor.redact(Diagnosis(runID: runID, baselineRunID: nil, generatedAt: "", status: .noIncident,
                                          symptoms: symptoms))
        if json {
            var data = try encoder.encode(["run_id": AnyEncodable(runID), "symptoms": AnyEncodable(d.symptoms)])
            data.append(0x0A)
            return data
        }
        var s = "# Symptoms: \(runID)\n\n"
        if d.symptoms.isEmpty { s += "No symptoms.\n" }
        for sym in d.symptoms {
            var when = ""
            if let st = sym.onsetStep { when = " @ step \(st)" } else if let t = sym.onsetTime { when = " @ \(ISOTime.string(unix: t))" }
            s += "- **\(sym.kind.rawValue)**\(when) (magnitude \(String(format: "%.3g", sym.magnitude))): \(sym.summary)\n"
            for e in sym.evidence.prefix(5) {
                let loc = e.line.map { "\(e.source):\($0)" } ?? e.source
                s += "  - `\(loc)` \(e.excerpt.prefix(200))\n"
            }
        }
        return Data(s.utf8)
    }

    /// The config diff as a Markdown table or JSON, redacted (secret values masked).
    public static func diff(_ changes: [ConfigChange], runID: String, baseline: String?, json: Bool) throws -> Data {
        let d = Redactor.redact(Diagnosis(runID: runID, baselineRunID: baseline, generatedAt: "", status: .noIncident,
                                          configDiff: changes))
        if json {
            var data = try encoder.encode(["run_id": AnyEncodable(runID), "baseline_run_id": AnyEncodable(baseline),
                                       "changes": AnyEncodable(d.configDiff)])
            data.append(0x0A)
            return data
        }
        var s = "# Config diff: \(runID) vs \(baseline ?? "no baseline")\n\n"
        if baseline == nil { s += "No baseline: nothing to compare with.\n"; return Data(s.utf8) }
        if d.configDiff.isEmpty { s += "No differences.\n"; return Data(s.utf8) }
        s += "| material | file | key | baseline | run | why |\n|---|---|---|---|---|---|\n"
        func cell(_ v: String?) -> String {
            guard let v else { return "—" }
            let one = v.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "|", with: "\\|")
            return one.count > 80 ? String(one.prefix(77)) + "…" : one
        }
        for c in d.configDiff.sorted(by: { ($0.material ? 0 : 1, $0.file, $0.key) < ($1.material ? 0 : 1, $1.file, $1.key) }) {
            let loc = c.line.map { "\(c.file):\($0)" } ?? c.file
            s += "| \(c.material ? "yes" : "no") | `\(loc)` | `\(c.key)` | \(cell(c.oldValue)) | \(cell(c.newValue)) | \(cell(c.reason)) |\n"
        }
        return Data(s.utf8)
    }
}

/// Type-erased Encodable for small ad-hoc JSON objects.
struct AnyEncodable: Encodable {
    let encodeFn: (Encoder) throws -> Void
    init<T: Encodable>(_ v: T) { encodeFn = { try v.encode(to: $0) } }
    func encode(to encoder: Encoder) throws { try encodeFn(encoder) }
}
