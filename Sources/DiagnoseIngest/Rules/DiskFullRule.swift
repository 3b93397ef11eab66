import DiagnoseCore
import DiagnoseText

/// Storage exhausted (FORMATS.md B.8): `No space left on device` / `[Errno 28]`, `Disk quota
/// exceeded`, `torch.save`'s `PytorchStreamWriter failed writing file …: file write failed`,
/// its `unexpected pos X vs Y` follow-up, and the legacy `write(): fd N failed`.
final class DiskFullRule: LineRule {
    let keywords = ["No space left on device", "Errno 28", "PytorchStreamWriter failed writing file",
                    "Disk quota exceeded", "unexpected pos", "write(): fd"]
    private static let pattern = Rx.make(
        #"No space left on device|\[Errno 28\]|PytorchStreamWriter failed writing file|Disk quota exceeded|inline_container\.cc.*unexpected pos \d+ vs \d+|write\(\): fd \d+ failed"#)
    private let m = DiskFullRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload) else { return .pass }
        sink.emit(line.event(.diskFull, .error))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "disk-full", examples: [
        ParserExample(name: "disk full forms", path: "logs/train.log", content: """
            RuntimeError: [enforce fail at inline_container.cc:445] . PytorchStreamWriter failed writing file data/176: file write failed
            RuntimeError: [enforce fail at inline_container.cc:778] . PytorchStreamWriter failed writing file data.pkl: file write failed
            OSError: [Errno 28] No space left on device: '/ckpt/checkpoint-1200/model.safetensors'
            RuntimeError: [enforce fail at inline_container.cc:603] . unexpected pos 1216 vs 1104
            RuntimeError: write(): fd 29 failed with Input/output error
            """, expect: [
                .event(kind: .diskFull, line: 1), .event(kind: .diskFull, line: 2), .event(kind: .diskFull, line: 3),
                .event(kind: .diskFull, line: 4), .event(kind: .diskFull, line: 5), .count(events: 5),
            ]),
    ]) { DiskFullRule() }
}
