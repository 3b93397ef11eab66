import DiagnoseCore
import DiagnoseText

/// Hugging Face `Trainer` console dicts (FORMATS.md A.1): train logs, eval logs (`eval_` keys) and
/// the final `train_runtime` summary, in 4.x (raw floats) and 5.x (`'%.4g'` strings) form, also
/// when glued to a tqdm frame.
///
/// The printed dict carries no step. Points get the dict's 1-based position among the file's
/// train dicts (a log index, not the global step: `logging_steps` is not printed); eval and
/// summary dicts get the index of the last train dict. `epoch` is kept as a metric so the
/// analysis can align runs. The rule never moves the file's current step.
final class HFTrainerLogRule: LineRule {
    let keywords = ["{'"]
    private var pairs: [PyDictScanner.Pair] = []
    private var logIndex = 0

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        guard let open = Bytes.find(b, "{'") else { return .pass }
        let closed = PyDictScanner.scan(b, from: open, into: &pairs)
        guard !pairs.isEmpty else { return .pass }
        var keys: [String] = []
        keys.reserveCapacity(pairs.count)
        var isEval = false, isSummary = false, known = 0
        for p in pairs {
            let k = Bytes.string(b, p.key)
            if k.hasPrefix("eval_") { isEval = true }
            if k == "train_runtime" { isSummary = true }
            if MetricVocabulary.name(for: k) != nil || k.hasPrefix("eval_") || k == "train_runtime" { known += 1 }
            keys.append(k)
        }
        guard known > 0 else { return .pass }
        if !closed { sink.problem(line: line.number, "Trainer log dict is cut off") }

        if isSummary {
            var facts: [String: String] = [:]
            for (p, k) in zip(pairs, keys) {
                facts[k] = Bytes.string(b, p.value).trimmingQuotes
                guard let v = Numbers.parseDouble(Bytes.slice(b, p.value)) else { continue }
                switch k {
                case "train_samples_per_second": sink.emit(line.metric(.samplesPerS, v, step: logIndex, label: k))
                case "train_tokens_per_second": sink.emit(line.metric(.tokensPerS, v, step: logIndex, label: k))
                default: break
                }
            }
            sink.emit(LogEvent(line: line.number, byteOffset: line.offset, time: line.time, step: line.step,
                               rank: line.rank, severity: .info, kind: .trainingEnd, message: Text.capped(line.text),
                               detail: .facts(facts)))
            return .consumed(step: nil)
        }
        if isEval {
            for (p, k) in zip(pairs, keys) where k.hasPrefix("eval_") {
                guard let v = Numbers.parseDouble(Bytes.slice(b, p.value)) else { continue }
                if k == "eval_loss" {
                    sink.emit(line.metric(.evalLoss, v, step: logIndex))
                }
            }
            return .consumed(step: nil)
        }
        logIndex += 1
        for (p, k) in zip(pairs, keys) {
            guard let name = MetricVocabulary.name(for: k),
                  let v = Numbers.parseDouble(Bytes.slice(b, p.value)) else { continue }
            sink.emit(line.metric(name, v, step: logIndex, label: name.rawValue == k ? nil : k))
        }
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "hf-trainer-log", examples: [
        ParserExample(name: "HF 4.x dict with nan grad_norm", path: "logs/train.log", content: """
            {'loss': 0.2051, 'grad_norm': nan, 'learning_rate': 9.774074342405685e-06, 'epoch': 0.53}
            {'loss': 0.0, 'grad_norm': nan, 'learning_rate': 9.773696745450087e-06, 'epoch': 0.53}
            """, expect: [
                .metric(name: .loss, value: 0.2051, step: 1, line: 1),
                .nonFinite(name: .gradNorm, step: 1, line: 1),
                .metric(name: .lr, value: 9.774074342405685e-06, step: 1, line: 1),
                .metric(name: .epoch, value: 0.53, step: 1, line: 1),
                .metric(name: .loss, value: 0.0, step: 2, line: 2),
                .count(metrics: 8, events: 0, unparsed: 0),
            ]),
        ParserExample(name: "HF 4.x final summary", path: "logs/train.log", content: """
            {'loss': 0.7423, 'grad_norm': 4.62071418762207, 'learning_rate': 1e-06, 'epoch': 100.0}
            {'train_runtime': 231.3038, 'train_samples_per_second': 8.647, 'train_steps_per_second': 4.323, 'train_loss': 0.7349368896484375, 'epoch': 100.0}
            """, expect: [
                .metric(name: .gradNorm, value: 4.62071418762207, step: 1, line: 1),
                .metric(name: .samplesPerS, value: 8.647, line: 2),
                .event(kind: .trainingEnd, line: 2, contains: "train_runtime"),
                .count(metrics: 5, events: 1),
            ]),
        ParserExample(name: "HF 5.x quoted .4g strings with TRL keys", path: "logs/train.log", content: """
            {'loss': '1.764', 'grad_norm': '2.609', 'learning_rate': '6.667e-05', 'mean_token_accuracy': '0.7419', 'epoch': '3'}
            {'train_runtime': '36.27', 'train_samples_per_second': '0.414', 'train_loss': '2.46', 'epoch': '3'}
            """, expect: [
                .metric(name: .loss, value: 1.764, step: 1, line: 1),
                .metric(name: .gradNorm, value: 2.609, step: 1),
                .metric(name: .lr, value: 6.667e-05, step: 1),
                .metric(name: .epoch, value: 3, step: 1),
                .event(kind: .trainingEnd, line: 2),
            ]),
        ParserExample(name: "HF older 4.x without grad_norm, eval dict", path: "logs/train.log", content: """
            {'loss': 2.0491, 'learning_rate': 0.0001961913563176343, 'epoch': 0.28}
            {'eval_loss': 1.9876, 'eval_runtime': 12.5, 'eval_samples_per_second': 80.0, 'eval_steps_per_second': 10.0, 'epoch': 0.28}
            """, expect: [
                .metric(name: .loss, value: 2.0491, step: 1, line: 1),
                .metric(name: .evalLoss, value: 1.9876, step: 1, line: 2),
                .count(metrics: 4, events: 0),
            ]),
        ParserExample(name: "HF dict glued to a tqdm frame", path: "logs/train.log",
            content: " 10%|█         | 118/1184 [00:21<03:10,  5.52it/s]{'loss': 1.25, 'learning_rate': 2e-05, 'epoch': 0.1}\n",
            expect: [.metric(name: .loss, value: 1.25, step: 1, line: 1), .metric(name: .lr, value: 2e-05)]),
    ]) { HFTrainerLogRule() }
}

extension String {
    var trimmingQuotes: String {
        var s = Substring(self)
        while let f = s.first, f == "'" || f == "\"" { s.removeFirst() }
        while let l = s.last, l == "'" || l == "\"" { s.removeLast() }
        return String(s)
    }
}
