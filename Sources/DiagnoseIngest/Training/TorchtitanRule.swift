import DiagnoseCore
import DiagnoseText

/// torchtitan `MetricsProcessor.log` lines (FORMATS.md A.5): `step: N  loss: X  grad_norm: G
/// memory: M GiB(P%)  tps: 12,345  tflops: T  mfu: U%`, colour codes already stripped, fields read
/// as `key: value` tokens so the 2024 form (`wps`, no `grad_norm`/`tflops`) and `mfu: N/A` work.
/// `validate step:` lines yield `eval_loss`.
final class TorchtitanRule: LineRule {
    let keywords = ["step:"]

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard let at = Bytes.find(b, "step:"), Bytes.find(b, "loss:", from: at) != nil else { return .pass }
        let validation = Bytes.find(b, "validat") .map { $0 < at } ?? false
        var tokens: [Range<Int>] = []
        var i = at
        while i < b.count {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            let s = i
            while i < b.count, b[i] != 0x20, b[i] != 0x09 { i += 1 }
            if i > s { tokens.append(s..<i) }
        }
        var step: Int?
        var values: [(String, UnsafeRawBufferPointer)] = []
        var k = 0
        while k + 1 < tokens.count {
            let t = tokens[k]
            guard t.count > 1, b[t.upperBound - 1] == UInt8(ascii: ":") else { k += 1; continue }
            let key = Bytes.string(b, t.lowerBound..<(t.upperBound - 1))
            let value = Bytes.slice(b, tokens[k + 1])
            if key == "step" { step = Numbers.parseInt(value) } else { values.append((key, value)) }
            k += 2
        }
        guard let step else { return .pass }
        for (key, value) in values {
            switch key {
            case "loss":
                if let v = Numbers.parseDouble(value) { sink.emit(line.metric(validation ? .evalLoss : .loss, v, step: step)) }
            case "grad_norm":
                if let v = Numbers.parseDouble(value) { sink.emit(line.metric(.gradNorm, v, step: step)) }
            case "memory":
                // "48.87GiB(51.44%)"
                if let g = Bytes.find(value, "GiB"), let v = Numbers.parseDouble(Bytes.slice(value, 0..<g)) {
                    sink.emit(line.metric(.memoryGB, v, step: step, label: "max_reserved"))
                }
            case "tps", "wps":
                if let v = Numbers.parseDouble(value) { sink.emit(line.metric(.tokensPerS, v, step: step, label: key)) }
            case "tflops":
                if let v = Numbers.parseDouble(value) { sink.emit(line.metric(.tflops, v, step: step)) }
            case "mfu":
                var e = value.count
                if e > 0, value[e - 1] == UInt8(ascii: "%") { e -= 1 }
                if let v = Numbers.parseDouble(Bytes.slice(value, 0..<e)) { sink.emit(line.metric(.mfu, v, step: step)) }
            default: break
            }
        }
        return .consumed(step: validation ? nil : step)
    }

    static let spec = LineRuleSpec(id: "torchtitan", examples: [
        ParserExample(name: "torchtitan metrics line, colours stripped", path: "logs/titan.log", content: """
            [titan] 2025-07-01 10:00:00,123 - root - INFO - step: 20  loss: 11.83506  grad_norm:  9.6669  memory: 48.87GiB(51.44%)  tps: 4,376  tflops: 253.41  mfu: 25.62%
            """, expect: [
                .metric(name: .loss, value: 11.83506, step: 20, line: 1),
                .metric(name: .gradNorm, value: 9.6669, step: 20),
                .metric(name: .memoryGB, value: 48.87, step: 20),
                .metric(name: .tokensPerS, value: 4376, step: 20),
                .metric(name: .tflops, value: 253.41, step: 20),
                .metric(name: .mfu, value: 25.62, step: 20),
                .count(metrics: 6, events: 0),
            ]),
        ParserExample(name: "torchtitan coloured line with \\033[39m reset", path: "logs/titan.log",
            content: "[titan] 2025-07-01 10:00:00,123 - root - INFO - \u{1B}[31mstep:  5  \u{1B}[32mloss: 10.12345  \u{1B}[38;2;180;60;0mgrad_norm:  1.2000  \u{1B}[36mmemory: 40.00GiB(42.00%)  \u{1B}[34mtps: 12,345  \u{1B}[36mtflops: 1,234.50  \u{1B}[35mmfu: N/A\u{1B}[39m\n",
            expect: [
                .metric(name: .loss, value: 10.12345, step: 5, line: 1),
                .metric(name: .tokensPerS, value: 12345, step: 5),
                .metric(name: .tflops, value: 1234.5, step: 5),
                .count(metrics: 5),
            ]),
        ParserExample(name: "torchtitan 2024 form with wps", path: "logs/titan.log", content: """
            [titan] 2024-05-01 10:00:00,123 - root - INFO - step:  1  loss: 12.2345  memory: 20.10GiB(21.16%)  wps: 1,234  mfu: 12.34%
            """, expect: [
                .metric(name: .loss, value: 12.2345, step: 1),
                .metric(name: .tokensPerS, value: 1234, step: 1),
                .metric(name: .mfu, value: 12.34, step: 1),
            ]),
    ]) { TorchtitanRule() }
}
