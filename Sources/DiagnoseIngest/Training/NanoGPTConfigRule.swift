import DiagnoseCore
import DiagnoseText

/// What nanoGPT's `configurator.py` and `train.py` print about the configuration, as config
/// entries of the document "nanogpt-config" (kind `.training`), so the config diff sees the run's
/// settings even when the config file itself was not kept:
/// - `Overriding config with config/train_gpt2.py:` followed by the file's text, echoed line by
///   line (assignments are read as `PythonConfigParser` reads them; comments and blank lines are
///   skipped; any other line ends the block);
/// - `Overriding: learning_rate = 0.0018`, a command-line override;
/// - `tokens per iteration will be: 491,520`, the effective global batch in tokens: the entry
///   `tokens_per_iteration` and a `global_batch_size` point (tokens), so a changed gradient
///   accumulation or world size shows as a changed batch shape.
final class NanoGPTConfigRule: LineRule {
    let keywords = ["Overriding", "tokens per iteration will be: "]
    private var inBlock = false
    var active: Bool { inBlock }
    private static let tokens = Rx.make(#"^tokens per iteration will be: ([0-9][0-9,]*)\s*$"#)
    private let mTokens = NanoGPTConfigRule.tokens.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if Bytes.hasPrefix(b, "Overriding config with ") {
            inBlock = true
            return .consumed(step: nil)
        }
        if Bytes.hasPrefix(b, "Overriding: ") {
            inBlock = false
            let text = String(line.payloadString.dropFirst("Overriding: ".count))
            if let (k, v) = PythonConfigParser.assignment(text) { emit(k, PythonConfigParser.value(v), line, sink) }
            return .consumed(step: nil)
        }
        if mTokens.matches(b), let raw = mTokens.string(1), let n = Double(raw.replacingOccurrences(of: ",", with: "")) {
            inBlock = false
            emit("tokens_per_iteration", .number(n), line, sink)
            sink.emit(line.metric(.globalBatchSize, n, step: nil, label: "tokens"))
            return .consumed(step: nil)
        }
        guard inBlock else { return .pass }
        let s = line.payloadString
        let trimmed = s.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("import ") || trimmed.hasPrefix("from ") {
            return .consumed(step: nil)
        }
        guard let (k, v) = PythonConfigParser.assignment(s) else { inBlock = false; return .pass }
        emit(k, PythonConfigParser.value(v), line, sink)
        return .consumed(step: nil)
    }

    private func emit(_ key: String, _ value: ConfigValue, _ line: LineContext, _ sink: RecordSink) {
        sink.emitConfig(document: "nanogpt-config", kind: .training, ConfigEntry(key: key, value: value, line: line.number))
    }

    static let spec = LineRuleSpec(id: "nanogpt-config", examples: [
        ParserExample(name: "nanoGPT config echo and overrides", path: "logs/train.log", content: """
            Overriding config with config/train_gpt2.py:
            # config for training GPT-2 (124M)

            wandb_log = True
            batch_size = 12
            gradient_accumulation_steps = 5 * 8
            Overriding: learning_rate = 0.0018
            tokens per iteration will be: 491,520
            iter 0: loss 10.9876, time 3456.78ms, mfu -100.00%
            """, expect: [
                .config(key: "wandb_log", value: .bool(true), document: "nanogpt-config"),
                .config(key: "batch_size", value: .number(12), document: "nanogpt-config"),
                .config(key: "gradient_accumulation_steps", value: .number(40), document: "nanogpt-config"),
                .config(key: "learning_rate", value: .number(0.0018), document: "nanogpt-config"),
                .config(key: "tokens_per_iteration", value: .number(491520), document: "nanogpt-config"),
                .metric(name: .globalBatchSize, value: 491520, line: 8),
                .metric(name: .loss, value: 10.9876, step: 0, line: 9),
            ]),
    ]) { NanoGPTConfigRule() }
}
