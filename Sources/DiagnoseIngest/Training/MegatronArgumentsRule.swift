import DiagnoseCore
import DiagnoseText

/// Megatron's startup `arguments` block (FORMATS.md A.2, E.6): the lines between
/// `---- arguments ----` and `---- end of arguments ----` become config entries of the document
/// "megatron-args" (kind `.training`), keys as printed (underscores), values typed: integers and
/// floats as numbers, `True`/`False` as booleans, `None` as null, anything else as a string.
final class MegatronArgumentsRule: LineRule {
    let keywords = [" arguments ---"]
    private(set) var active = false
    private var entries = 0

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if !active {
            guard Bytes.has(b, "--- arguments ---"), !Bytes.has(b, "end of arguments") else { return .pass }
            active = true
            entries = 0
            return .consumed(step: nil)
        }
        if Bytes.has(b, "end of arguments") {
            active = false
            return .consumed(step: nil)
        }
        // "  micro_batch_size ................................ 4" (no dots once a name is 48+ chars)
        var i = Bytes.indent(b)
        let ks = i
        while i < b.count, b[i] == UInt8(ascii: "_") || b[i] == UInt8(ascii: "-") || (b[i] | 0x20 >= 0x61 && b[i] | 0x20 <= 0x7A)
            || (b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
        let ke = i
        guard ke > ks, i < b.count, b[i] == 0x20 else {
            if b.count == 0 { return .consumed(step: nil) }
            // Something else interleaved (another rank's line): not part of the block.
            return .pass
        }
        while i < b.count, b[i] == 0x20 || b[i] == UInt8(ascii: ".") { i += 1 }
        let key = Bytes.string(b, ks..<ke)
        let raw = Bytes.string(b, Bytes.trimmed(b, i..<b.count))
        sink.emitConfig(document: "megatron-args", kind: .training,
                        ConfigEntry(key: key, value: MegatronArgumentsRule.typed(raw), line: line.number,
                                    secret: Secrets.isSecretKey(key)))
        entries += 1
        if entries > 4096 { active = false }
        return .consumed(step: nil)
    }

    func finish(_ sink: RecordSink) {
        if active { sink.problem(line: nil, "Megatron arguments block has no end line") }
        active = false
    }

    static func typed(_ raw: String) -> ConfigValue {
        switch raw {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        default:
            if let first = raw.utf8.first, (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "-")
                || first == UInt8(ascii: "."), !raw.contains(","), let d = Numbers.parseDouble(raw) {
                return .number(d)
            }
            return .string(raw)
        }
    }

    static let spec = LineRuleSpec(id: "megatron-arguments", examples: [
        ParserExample(name: "Megatron arguments block", path: "logs/megatron.log", content: """
            ------------------------ arguments ------------------------
              accumulate_allreduce_grads_in_fp32 .............. False
              bf16 ............................................ True
              clip_grad ....................................... 1.0
              global_batch_size ............................... 1024
              lr .............................................. 0.0003
              loss_scale ...................................... None
              tokenizer_type .................................. GPT2BPETokenizer
            -------------------- end of arguments ---------------------
             iteration        1/     100 | consumed samples:         1024 | learning rate: 3.000000E-04 | global batch size:  1024 | lm loss: 1.100000E+01 |
            """, expect: [
                .config(key: "accumulate_allreduce_grads_in_fp32", value: .bool(false), document: "megatron-args"),
                .config(key: "bf16", value: .bool(true), document: "megatron-args"),
                .config(key: "clip_grad", value: .number(1.0), document: "megatron-args"),
                .config(key: "global_batch_size", value: .number(1024), document: "megatron-args"),
                .config(key: "lr", value: .number(0.0003), document: "megatron-args"),
                .config(key: "loss_scale", value: .null, document: "megatron-args"),
                .config(key: "tokenizer_type", value: .string("GPT2BPETokenizer"), document: "megatron-args"),
                .metric(name: .loss, value: 11, step: 1, line: 10),
            ]),
    ]) { MegatronArgumentsRule() }
}

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
