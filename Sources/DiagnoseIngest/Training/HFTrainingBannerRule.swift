import DiagnoseCore
import DiagnoseText

/// The HF `Trainer` banner printed when training starts (`***** Running training *****` and the
/// lines under it): the effective run shape, as config entries of the document
/// "hf-trainer-banner" (kind `.training`) so the config diff sees batch size, gradient
/// accumulation and step count even when no arguments file was saved. Only the first banner of
/// a file is read; the evaluation banner's `Num examples` is not taken.
final class HFTrainingBannerRule: LineRule {
    let keywords = ["*****", " = "]
    private var remaining = 0
    private var done = false
    private static let pattern = Rx.make(#"^\s*(Num examples|Num Epochs|Instantaneous batch size per device|Total train batch size[^=]*|Gradient Accumulation steps|Total optimization steps|Number of trainable parameters) = ([0-9][0-9,.]*)\s*$"#)
    private let m = HFTrainingBannerRule.pattern.matcher()

    static let names: [String: String] = [
        "Num examples": "num_examples",
        "Num Epochs": "num_train_epochs",
        "Instantaneous batch size per device": "per_device_train_batch_size",
        "Gradient Accumulation steps": "gradient_accumulation_steps",
        "Total optimization steps": "max_steps",
        "Number of trainable parameters": "num_trainable_parameters",
    ]

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if Bytes.has(b, "***** Running training *****") {
            guard !done else { return .consumed(step: nil) }
            done = true
            remaining = 12
            return .consumed(step: nil)
        }
        guard remaining > 0 else { return .pass }
        remaining -= 1
        // The banner's lines are contiguous: another banner or any other `x = y` line ends it.
        guard m.matches(b), let label = m.string(1), let v = m.double(2) else { remaining = 0; return .pass }
        let key = label.hasPrefix("Total train batch size") ? "total_train_batch_size" : HFTrainingBannerRule.names[label] ?? label
        sink.emitConfig(document: "hf-trainer-banner", kind: .training,
                        ConfigEntry(key: key, value: .number(v), line: line.number))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "hf-training-banner", examples: [
        ParserExample(name: "HF training banner", path: "logs/train.log", content: """
            [INFO|trainer.py:2414] 2026-10-28 04:48:55,000 >> ***** Running training *****
            [INFO|trainer.py:2415] 2026-10-28 04:48:55,000 >>   Num examples = 204,800
            [INFO|trainer.py:2416] 2026-10-28 04:48:55,000 >>   Num Epochs = 1
            [INFO|trainer.py:2417] 2026-10-28 04:48:55,000 >>   Instantaneous batch size per device = 32
            [INFO|trainer.py:2420] 2026-10-28 04:48:55,000 >>   Total train batch size (w. parallel, distributed & accumulation) = 512
            [INFO|trainer.py:2421] 2026-10-28 04:48:55,000 >>   Gradient Accumulation steps = 2
            [INFO|trainer.py:2422] 2026-10-28 04:48:55,000 >>   Total optimization steps = 400
            [INFO|trainer.py:2423] 2026-10-28 04:48:55,000 >>   Number of trainable parameters = 7,004,352,000
            ***** Running Evaluation *****
              Num examples = 1000
              Batch size = 8
            """, expect: [
                .config(key: "num_examples", value: .number(204800), document: "hf-trainer-banner"),
                .config(key: "num_train_epochs", value: .number(1), document: "hf-trainer-banner"),
                .config(key: "per_device_train_batch_size", value: .number(32), document: "hf-trainer-banner"),
                .config(key: "total_train_batch_size", value: .number(512), document: "hf-trainer-banner"),
                .config(key: "gradient_accumulation_steps", value: .number(2), document: "hf-trainer-banner"),
                .config(key: "max_steps", value: .number(400), document: "hf-trainer-banner"),
                .config(key: "num_trainable_parameters", value: .number(7004352000), document: "hf-trainer-banner"),
                .count(metrics: 0, events: 0),
            ]),
    ]) { HFTrainingBannerRule() }
}
