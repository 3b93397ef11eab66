import DiagnoseCore
import DiagnoseText

/// Megatron memory reports (`[Rank N] (after X iterations) memory (MB) | allocated: ... | max
/// reserved: ...`): `memory_gb` from max reserved (else max allocated), in GiB.
final class MegatronMemoryRule: LineRule {
    let keywords = ["memory (MB)"]
    private static let pattern = Rx.make(#"\(after (\d+) iterations\) memory \(MB\)(.*)"#)
    private static let field = Rx.make(#"(max allocated|max reserved): ([0-9.eE+-]+)"#)
    private let m = MegatronMemoryRule.pattern.matcher()
    private let f = MegatronMemoryRule.field.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard m.matches(b), let iter = m.int(1) else { return .pass }
        var allocated: Double?, reserved: Double?
        var from = 0
        while from < b.count, f.matches(b, from: from), let r = f.range(0) {
            if let v = f.double(2) {
                if f.bytes(1).map({ Bytes.has($0, "reserved") }) == true { reserved = v } else { allocated = v }
            }
            from = r.upperBound
        }
        if let mb = reserved ?? allocated {
            sink.emit(line.metric(.memoryGB, mb / 1024, step: iter, label: reserved != nil ? "max_reserved" : "max_allocated"))
        }
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "megatron-memory", examples: [
        ParserExample(name: "Megatron memory report", path: "logs/megatron.log", content: """
            [Rank 0] (after 10 iterations) memory (MB) | allocated: 20480.5 | max allocated: 40960.0 | reserved: 45056.0 | max reserved: 51200.0
            """, expect: [.metric(name: .memoryGB, value: 50, step: 10, line: 1, rank: 0)]),
    ]) { MegatronMemoryRule() }
}
