import DiagnoseCore
import DiagnoseText

/// Meanings of common NVIDIA Xid codes (NVIDIA's Xid catalogue), and how fatal they usually are.
public enum XidCodes {
    public static let meanings: [Int: String] = [
        8: "GPU stopped processing (channel timeout)",
        13: "Graphics engine exception (usually an application fault)",
        31: "GPU memory page fault (usually an application fault)",
        32: "Invalid or corrupted push buffer stream",
        38: "Driver firmware error",
        43: "GPU stopped processing (user application fault)",
        45: "Preemptive cleanup, due to previous errors",
        48: "Double-bit ECC error (DBE)",
        56: "Display engine error",
        57: "Error programming video memory interface",
        61: "Internal micro-controller breakpoint/warning",
        62: "Internal micro-controller halt",
        63: "ECC page retirement or row remapping recording event",
        64: "ECC page retirement or row remapping recording failure",
        68: "Video processor exception",
        69: "Graphics engine class error",
        74: "NVLink error",
        79: "GPU has fallen off the bus",
        92: "High single-bit ECC error rate",
        94: "Contained ECC error",
        95: "Uncontained ECC error",
        109: "Context switch timeout",
        119: "GSP RPC timeout",
        120: "GSP error",
        121: "C2C link error",
        140: "Unrecovered ECC error",
    ]

    /// Codes that point at the hardware rather than the application.
    public static let hardware: Set<Int> = [48, 61, 62, 63, 64, 74, 79, 92, 94, 95, 109, 119, 120, 121, 140]

    public static func meaning(_ code: Int) -> String { meanings[code] ?? "Xid \(code)" }

    static func severity(_ code: Int) -> Severity {
        if [48, 74, 79, 95, 119, 120, 140].contains(code) { return .fatal }
        return .error
    }
}
