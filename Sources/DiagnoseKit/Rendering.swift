import DiagnoseCore
import Foundation

/// Turns a diagnosis into bytes in the requested format.
public enum Rendering {
    public static func render(_ d: Diagnosis, format: String, color: Bool) throws -> Data {
        switch format {
        case "json":
            var data = try d.jsonData()
            data.append(0x0A)
            return data
        default:
            return Data(inventoryMarkdown(d).utf8)
        }
    }

    static func inventoryMarkdown(_ d: Diagnosis) -> String {
        var s = "# diagnose: \(d.runID)\n\n"
        s += "**DRAFT** — baseline: \(d.baselineRunID ?? "none")\n\n"
        s += d.status == .incident ? "Verdict: incident\n\n" : "Verdict: no incident found\n\n"
        s += "## Inputs\n\n"
        s += "- files: \(d.inputs.files), lines: \(d.inputs.lines), unparsed lines: \(d.inputs.unparsedLines)\n"
        for (f, n) in d.inputs.formats.sorted(by: { $0.key < $1.key }) { s += "- format `\(f)`: \(n) files\n" }
        for f in d.inputs.unrecognizedFiles { s += "- unrecognised: `\(f)`\n" }
        for f in d.inputs.skippedFiles { s += "- skipped: `\(f.path)` (\(f.reason))\n" }
        return s
    }
}
