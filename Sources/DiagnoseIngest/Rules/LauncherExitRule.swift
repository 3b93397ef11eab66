import DiagnoseCore
import DiagnoseText

/// torchrun launcher notices that a child failed: `failed (exitcode: -6) local_rank: 0 (pid: …)
/// of binary: …` in its logging, bracketed and glog forms. A negative exit code is a signal.
final class LauncherExitRule: LineRule {
    let keywords = ["failed (exitcode:"]
    private static let pattern = Rx.make(#"failed \(exitcode: (-?\d+)\) local_rank: (\d+)"#)
    private let m = LauncherExitRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload), let code = m.int(1) else { return .pass }
        let signal = code < 0 ? ChildFailedRule.signalName(-code) : nil
        sink.emit(line.event(code < 0 ? .signal : .errorLine, .error, detail: .exit(code: code, signal: signal)))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "launcher-exit", examples: [
        ParserExample(name: "torchrun child exit lines", path: "logs/launcher.log", content: """
            ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 1622990) of binary: /usr/bin/python3
            [2024-05-08 08:47:31,877] torch.distributed.elastic.multiprocessing.api: [ERROR] failed (exitcode: -6) local_rank: 2 (pid: 5939) of binary: /usr/bin/python3
            """, expect: [
                .event(kind: .errorLine, line: 1, contains: "exitcode: 1"),
                .event(kind: .signal, line: 2, contains: "exitcode: -6"),
                .count(events: 2),
            ]),
    ]) { LauncherExitRule() }
}
