import DiagnoseCore

extension ConfigDiff {
    /// The diff as a Markdown table (material changes first), for `diagnose diff`. Secret values
    /// are shown as `<redacted>`.
    public static func markdown(_ changes: [ConfigChange], includeBenign: Bool = true) -> String {
        let shown = changes.filter { includeBenign || $0.material }
        guard !shown.isEmpty else { return "No config changes against the baseline.\n" }
        let ordered = shown.filter(\.material) + shown.filter { !$0.material }
        var out = "| File | Key | Change | Baseline | Run | Material | Reason |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for c in ordered {
            let file = c.line.map { "\(c.file):\($0)" } ?? c.file
            let old = c.secret && c.oldValue != nil ? "<redacted>" : (c.oldValue ?? "")
            let new = c.secret && c.newValue != nil ? "<redacted>" : (c.newValue ?? "")
            out += "| \(cell(file)) | \(cell(c.key)) | \(c.change.rawValue) | \(cell(old)) | \(cell(new)) | "
            out += "\(c.material ? "yes" : "no") | \(cell(c.reason ?? "")) |\n"
        }
        let material = shown.filter(\.material).count
        out += "\n\(material) material, \(shown.count - material) benign.\n"
        return out
    }

    static func cell(_ s: String, cap: Int = 80) -> String {
        var t = s.count > cap ? String(s.prefix(cap)) + "…" : s
        t = t.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
        t = t.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: "⏎")
        return t.isEmpty ? " " : "`\(t)`".replacingOccurrences(of: "``", with: "` `")
    }
}
