import DiagnoseCore
import DiagnoseText

/// NVIDIA Xid kernel messages (FORMATS.md B.5): `NVRM: Xid (PCI:0000:3b:00): 79, pid=…, …`, MIG
/// variants (`GPU-I:05`), dmesg/journalctl prefixes; the code's meaning comes from `XidCodes`.
/// Newer drivers report a GPU "fallen off the bus" without an Xid: that line is read as Xid 79.
final class XidRule: LineRule {
    let keywords = ["NVRM: Xid", "fallen off the bus"]
    private static let xid = Rx.make(#"NVRM: Xid \(PCI:([0-9a-fA-F:.]+)[^)]*\): (\d+),"#)
    private static let pci = Rx.make(#"PCI:([0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2})"#)
    private let mXid = XidRule.xid.matcher()
    private let mPCI = XidRule.pci.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if mXid.matches(b), let code = mXid.int(2) {
            sink.emit(line.event(.xid, XidCodes.severity(code),
                                 detail: .xid(code: code, meaning: XidCodes.meaning(code), pci: mXid.string(1))))
            return .consumed(step: nil)
        }
        if Bytes.has(b, "fallen off the bus") {
            let pci = mPCI.matches(b) ? mPCI.string(1) : nil
            sink.emit(line.event(.xid, .fatal, detail: .xid(code: 79, meaning: XidCodes.meaning(79), pci: pci)))
            return .consumed(step: nil)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "nvrm-xid", examples: [
        ParserExample(name: "Xid lines: plain, quoted pid, MIG, dmesg prefix", path: "kernel/dmesg.log", content: """
            NVRM: Xid (PCI:0000:01:00): 79, pid=0, GPU has fallen off the bus.
            NVRM: Xid (PCI:0000:01:00): 48, pid='<unknown>', name=<unknown>, An uncorrectable double bit error
            NVRM: Xid (PCI:0000:01:00 GPU-I:05): 94, pid=7194, Contained: CE User Channel (0x9). RST: No, D-RST: No
            [ 1843.308145] NVRM: Xid (PCI:0000:3b:00): 13, pid=1234, name=python, Graphics Exception: ESR 0x405840=0x3
            Feb 14 05:03:41 host kernel: NVRM: Xid (PCI:0000:3b:00): 31, pid=1234, name=python, Ch 00000010, intr 10000000. MMU Fault
            """, expect: [
                .event(kind: .xid, line: 1, contains: "fallen off the bus"),
                .event(kind: .xid, line: 2),
                .event(kind: .xid, line: 3, contains: "GPU-I:05"),
                .event(kind: .xid, line: 4),
                .event(kind: .xid, line: 5),
                .count(events: 5),
            ]),
    ]) { XidRule() }
}

/// ECC error reports outside Xid lines (driver, nvidia-smi, DCGM): uncorrectable / double-bit /
/// single-bit ECC errors, row-remapping failures.
final class ECCRule: LineRule {
    let keywords = ["ECC", "ecc error", "row remap", "Row remap"]
    private static let pattern = Rx.make(
        #"(?i)(?:uncorrectable|double[- ]bit|single[- ]bit|\bDBE\b|\bSBE\b|volatile)[^\n]{0,60}\becc\b|\becc\b[^\n]{0,60}(?:error|uncorrectable|double[- ]bit|fault)|row[- ]remap\w*[^\n]{0,40}(?:fail|pending|error)"#)
    private let m = ECCRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload) else { return .pass }
        // A counter that reads zero is not an error ("Volatile Uncorr. ECC : 0").
        if Bytes.has(line.payload, "errors: 0") || Bytes.has(line.payload, "error count: 0") { return .pass }
        sink.emit(line.event(.eccError, .error))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "ecc-error", examples: [
        ParserExample(name: "ECC error lines", path: "kernel/dmesg.log", content: """
            NVRM: GPU at PCI:0000:3b:00: GPU-1234: An uncorrectable ECC error was detected
            dcgm: DCGM_FR_VOLATILE_DBE_DETECTED: Detected 2 volatile double-bit ECC error(s) in GPU 3.
            ECC mode is enabled
            """, expect: [
                .event(kind: .eccError, line: 1),
                .event(kind: .eccError, line: 2),
                .count(events: 2),
            ]),
    ]) { ECCRule() }
}

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
