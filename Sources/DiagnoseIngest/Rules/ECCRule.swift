import DiagnoseCore
import DiagnoseText

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
