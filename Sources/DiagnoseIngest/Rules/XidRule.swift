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
