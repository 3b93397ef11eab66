import DiagnoseCore
import DiagnoseText

/// Input-pipeline failures and waits: `DataLoader worker (pid N) is killed by signal: …`,
/// `DataLoader worker (pid(s) …) exited unexpectedly`, `DataLoader timed out after N seconds`.
final class DataloaderRule: LineRule {
    let keywords = ["DataLoader worker", "DataLoader timed out"]
    private static let pattern = Rx.make(
        #"DataLoader worker \(pid(?:\(s\))?[^)]*\) (?:is killed by signal: (.+?)\.?\s*$|exited unexpectedly)|DataLoader timed out after (\d+) seconds"#)
    private let m = DataloaderRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload) else { return .pass }
        var facts: [String: String] = [:]
        if let s = m.string(1) { facts["signal"] = s }
        if let t = m.string(2) { facts["timeoutSeconds"] = t }
        sink.emit(line.event(.dataloaderWait, .error, detail: facts.isEmpty ? nil : .facts(facts)))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "dataloader", examples: [
        ParserExample(name: "dataloader failures", path: "logs/train.log", content: """
            RuntimeError: DataLoader worker (pid 12345) is killed by signal: Killed.
            RuntimeError: DataLoader worker (pid(s) 1234, 1235) exited unexpectedly
            RuntimeError: DataLoader timed out after 600 seconds
            """, expect: [
                .event(kind: .dataloaderWait, line: 1), .event(kind: .dataloaderWait, line: 2),
                .event(kind: .dataloaderWait, line: 3), .count(events: 3),
            ]),
    ]) { DataloaderRule() }
}
