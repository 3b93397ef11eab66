import DiagnoseCore
import DiagnoseText

/// Megatron-LM `training_log()` iteration lines (FORMATS.md A.2) in every variant: no timestamp,
/// `[%Y-%m-%d %H:%M:%S]`, with microseconds; `.3E`/`.6E` learning rates; Megatron-DeepSpeed
/// extra fields. Fields are read as `key: value |` pairs, so added or missing fields do not
/// break the line.
///
/// Megatron drops a NaN loss from the line. A line without any loss field that prints
/// `grad norm: nan` (or counts nan iterations) yields a NaN `loss` point and a `nan-detected` event.
final class MegatronIterationRule: LineRule {
    let keywords = ["iteration "]
    private static let head = Rx.make(#"\biteration\s+(\d+)\s*/\s*(\d+)\s*\|"#)
    private let m = MegatronIterationRule.head.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard m.matches(b), let iter = m.int(1), let whole = m.range(0) else { return .pass }
        var sawLoss = false
        var gradNormNaN = false
        var nanIters = 0
        var i = whole.upperBound
        let n = b.count
        while i < n {
            var e = i
            while e < n, b[e] != UInt8(ascii: "|") { e += 1 }
            let seg = Bytes.trimmed(b, i..<e)
            i = e + 1
            guard !seg.isEmpty, let colon = lastColonSpace(b, seg) else { continue }
            let keyRange = Bytes.trimmed(b, seg.lowerBound..<colon)
            let valueRange = Bytes.trimmed(b, (colon + 1)..<seg.upperBound)
            let field = fields.value(Bytes.slice(b, keyRange), MegatronIterationRule.field(for:))
            if case .ignore = field { continue }
            guard let v = PlainDecimal.parse(Bytes.slice(b, valueRange)) else { continue }
            switch field {
            case .loss(let name, let label):
                sawLoss = true
                sink.emit(line.metric(name, v, step: iter, label: label))
            case .gradNorm:
                if v.isNaN { gradNormNaN = true }
                sink.emit(line.metric(.gradNorm, v, step: iter))
            case .nanIters:
                nanIters = Int(fromFile: v) ?? 0
                sink.emit(line.metric(.nanIters, v, step: iter))
            case .metric(let name, let label):
                sink.emit(line.metric(name, v, step: iter, label: label))
            case .ignore:
                break
            }
        }
        if !sawLoss, gradNormNaN || nanIters > 0 {
            sink.emit(line.metric(.loss, .nan, step: iter, label: "missing lm loss"))
            sink.emit(line.event(.nanDetected, .error, step: iter))
        }
        return .consumed(step: iter)
    }

    private enum Field {
        case loss(MetricName, label: String?)
        case gradNorm
        case nanIters
        case metric(MetricName, label: String?)
        case ignore
    }

    private let fields = KeyCache<Field>()

    private static func field(for raw: String) -> Field {
        let key = raw.lowercased()
        if key.hasSuffix("loss"), key != "loss scale" {
            if key == "lm loss" || key == "loss" { return .loss(.loss, label: nil) }
            return .loss(MetricName(key.replacingOccurrences(of: " ", with: "_")), label: key)
        }
        switch key {
        case "grad norm": return .gradNorm
        case "number of nan iterations": return .nanIters
        case "actual seqlen", "consumed tokens", "num zeros": return .ignore
        case "tflops": return .metric(.tflops, label: key)
        default: return MetricVocabulary.name(for: key).map { .metric($0, label: nil) } ?? .ignore
        }
    }

    /// The `: ` that separates key and value (keys may hold `(ms)` or `(TFLOP/s/GPU)`).
    private func lastColonSpace(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        var k = r.upperBound - 1
        while k > r.lowerBound {
            if b[k] == UInt8(ascii: ":"), k + 1 < r.upperBound, b[k + 1] == 0x20 { return k }
            k -= 1
        }
        return nil
    }

    static let spec = LineRuleSpec(id: "megatron-iteration", examples: [
        ParserExample(name: "Megatron pre-timestamp .3E lr", path: "logs/megatron.log", content: """
             iteration      122/  250000 | consumed samples:       124928 | elapsed time per iteration (ms): 86545.2 | learning rate: 9.150E-06 | global batch size:  1024 | lm loss: 2.504220E+00 | loss scale: 1.0 | grad norm: 0.231 | number of skipped iterations:   0 | number of nan iterations:   0 |
            """, expect: [
                .metric(name: .loss, value: 2.50422, step: 122, line: 1),
                .metric(name: .lr, value: 9.15e-06, step: 122),
                .metric(name: .consumedSamples, value: 124928, step: 122),
                .metric(name: .stepTimeMs, value: 86545.2, step: 122),
                .metric(name: .globalBatchSize, value: 1024, step: 122),
                .metric(name: .lossScale, value: 1, step: 122),
                .metric(name: .gradNorm, value: 0.231, step: 122),
                .metric(name: .skippedIters, value: 0, step: 122),
                .metric(name: .nanIters, value: 0, step: 122),
                .count(events: 0),
                .noEvent(kind: .nanDetected),
            ]),
        ParserExample(name: "Megatron 2024 with timestamp, throughput, MoE loss", path: "logs/megatron.log", content: """
             [2024-04-06 02:59:36] iteration       43/     100 | consumed samples:         5504 | elapsed time per iteration (ms): 5444.9 | throughput per GPU (TFLOP/s/GPU): 239.8 | learning rate: 8.600000E-06 | global batch size:   128 | lm loss: 1.825991E+00 | load_balancing_loss: 1.019746E+00 | loss scale: 1.0 | grad norm: 1.426 | num zeros: 0.0 | number of skipped iterations:   0 | number of nan iterations:   0 |
            """, expect: [
                .metric(name: .loss, value: 1.825991, step: 43, line: 1),
                .metric(name: .tflops, value: 239.8, step: 43),
                .metric(name: .lr, value: 8.6e-06, step: 43),
                .metric(name: .gradNorm, value: 1.426, step: 43),
            ]),
        ParserExample(name: "Megatron microsecond timestamp", path: "logs/megatron.log", content: """
             [2026-02-01 10:00:00.123456] iteration      500/   10000 | consumed samples:        64000 | elapsed time per iteration (ms): 1200.5 | learning rate: 3.000000E-04 | global batch size:   128 | lm loss: 3.100000E+00 | loss scale: 65536.0 | grad norm: 0.812 | number of skipped iterations:   1 | number of nan iterations:   0 |
            """, expect: [
                .metric(name: .loss, value: 3.1, step: 500),
                .metric(name: .lossScale, value: 65536, step: 500),
                .metric(name: .skippedIters, value: 1, step: 500),
            ]),
        ParserExample(name: "Megatron-DeepSpeed NaN run: lm loss missing, grad norm nan", path: "logs/megatron.log", content: """
             iteration     5427/  250000 | consumed samples:        43416 | consumed tokens:     88915968 | elapsed time per iteration (ms): 4225.8 | learning rate: 2.999E-04 | global batch size:     8 | loss scale: 1.0 | grad norm: nan | actual seqlen:  2048 | number of skipped iterations:   0 | number of nan iterations:   0 | samples per second: 1.893 | TFLOPs: 78.77 |
            """, expect: [
                .nonFinite(name: .loss, step: 5427, line: 1),
                .nonFinite(name: .gradNorm, step: 5427),
                .event(kind: .nanDetected, line: 1, step: 5427),
                .metric(name: .samplesPerS, value: 1.893, step: 5427),
                .metric(name: .tflops, value: 78.77, step: 5427),
            ]),
    ]) { MegatronIterationRule() }
}
