import Foundation
import DiagnoseCore
import DiagnoseText

/// The report formats of `diagnose --format`.
public enum ReportFormat: Sendable, Hashable {
    case markdown(color: Bool)
    case html
    case json
}

/// The one entry point for reports: redacts the diagnosis, then renders it. Deterministic:
/// the same diagnosis gives the same bytes (no clock, sorted keys, stable number formatting).
public enum ReportRenderer {
    /// The rendered report as UTF-8 bytes.
    public static func render(_ diagnosis: Diagnosis, format: ReportFormat) throws -> Data {
        let d = Redactor.redact(diagnosis)
        switch format {
        case .markdown(let color): return Data(MarkdownRenderer(color: color).render(d).utf8)
        case .html: return Data(HTMLRenderer().render(d).utf8)
        case .json: return try json(redacted: d)
        }
    }

    /// The rendered report as text.
    public static func renderString(_ diagnosis: Diagnosis, format: ReportFormat) throws -> String {
        String(decoding: try render(diagnosis, format: format), as: UTF8.self)
    }

    /// CONTRACT.md §3 JSON of an already-redacted diagnosis. Encoded like `Diagnosis.jsonData()`
    /// (sorted keys, unescaped slashes), except that non-finite numbers (a NaN chart point) are
    /// spelled as the strings "NaN", "Infinity", "-Infinity" instead of failing the encode.
    static func json(redacted d: Diagnosis) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                  negativeInfinity: "-Infinity", nan: "NaN")
        var data = try enc.encode(d)
        data.append(0x0A)
        return data
    }
}
