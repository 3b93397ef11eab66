import DiagnoseCore
import DiagnoseText

/// Hugging Face `Trainer` console dicts (FORMATS.md A.1): train logs, eval logs (`eval_` keys) and
/// the final `train_runtime` summary, in 4.x (raw floats) and 5.x (`'%.4g'` strings) form, also
/// when glued to a tqdm frame.
///
/// The printed dict carries no step. When the file holds the Trainer's tqdm bar, the step is the
/// bar's position (`118/1184`: the Trainer advances the bar to `global_step` before it logs). The
/// train bar is the description-less bar last drawn before the first train dict; bars with
/// another total (evaluation) or a description (loading shards) are ignored, and once bar steps
/// are in use the file's current step follows them. Without a bar
/// (tqdm disabled, `PrinterCallback`), points get the dict's 1-based position among the file's
/// train dicts — a log index, not the global step, since `logging_steps` is not printed — and
/// the file's current step is left alone. Eval and summary dicts get the bar step, else the step
/// of the last train dict. `epoch` is kept as a metric so the analysis can align runs either way. A dict with
/// neither `epoch` nor a loss (a printed config) is not a train log.
final class HFTrainerLogRule: LineRule {
    let keywords = ["{'", "it/s]", "s/it]"]
    private var pairs: [PyDictScanner.Pair] = []
    private var keys: [Key] = []
    private var logIndex = 0
    /// The train bar's total and its last position; the last bar seen before the first train dict.
    private var barTotal: Int?
    private var barStep: Int?
    private var lastBar: (n: Int, total: Int)?
    /// The step given to the last train dict (bar step or log index).
    private var lastStep = 0
    private static let bar = Rx.make(#"^\s*\d+%\|[^|]*\|\s*(\d+)/(\d+) \[[0-9:?]+<[0-9:?]+,"#)
    private let mBar = HFTrainerLogRule.bar.matcher()
    private let cache = KeyCache<Key>()

    /// What a printed key means, derived once per distinct key.
    private struct Key {
        let raw: String
        let name: MetricName?
        let isEval: Bool
        let isRuntime: Bool
        var known: Bool { name != nil || isEval || isRuntime }

        init(_ raw: String) {
            self.raw = raw
            name = MetricVocabulary.name(for: raw)
            isEval = raw.hasPrefix("eval_")
            isRuntime = raw == "train_runtime"
        }
    }

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        let open = Bytes.find(b, "{'")
        readBar(open.map { Bytes.slice(b, 0..<$0) } ?? b)
        guard let open else { return .pass }
        let closed = PyDictScanner.scan(b, from: open, into: &pairs)
        guard !pairs.isEmpty else { return .pass }
        keys.removeAll(keepingCapacity: true)
        var isEval = false, isSummary = false, known = 0
        for p in pairs {
            let k = cache.value(Bytes.slice(b, p.key), Key.init)
            if k.isEval { isEval = true }
            if k.isRuntime { isSummary = true }
            if k.known { known += 1 }
            keys.append(k)
        }
        guard known > 0 else { return .pass }
        if !closed { sink.problem(line: line.number, "Trainer log dict is cut off") }

        if isSummary {
            var facts: [String: String] = [:]
            for (p, k) in zip(pairs, keys) {
                facts[k.raw] = Bytes.string(b, p.value).trimmingQuotes
                guard let v = PlainDecimal.parse(Bytes.slice(b, p.value)) else { continue }
                switch k.raw {
                case "train_samples_per_second": sink.emit(line.metric(.samplesPerS, v, step: barStep ?? lastStep, label: k.raw))
                case "train_tokens_per_second": sink.emit(line.metric(.tokensPerS, v, step: barStep ?? lastStep, label: k.raw))
                default: break
                }
            }
            sink.emit(LogEvent(line: line.number, byteOffset: line.offset, time: line.time, step: line.step,
                               rank: line.rank, severity: .info, kind: .trainingEnd, message: Text.capped(line.text),
                               detail: .facts(facts)))
            return .consumed(step: nil)
        }
        if isEval {
            for (p, k) in zip(pairs, keys) where k.raw == "eval_loss" {
                guard let v = PlainDecimal.parse(Bytes.slice(b, p.value)) else { continue }
                sink.emit(line.metric(.evalLoss, v, step: barStep ?? lastStep))
            }
            return .consumed(step: nil)
        }
        // A train log carries `epoch` (added by `Trainer.log`) or a loss; a printed config dict
        // such as `{'lr': 0.001, 'batch_size': 8}` has neither and is not a log.
        guard keys.contains(where: { $0.name == .epoch || $0.name == .loss }) else { return .pass }
        logIndex += 1
        if barTotal == nil, let bar = lastBar {
            barTotal = bar.total
            barStep = bar.n
        }
        lastStep = barStep ?? logIndex
        for (p, k) in zip(pairs, keys) {
            guard let name = k.name, let v = PlainDecimal.parse(Bytes.slice(b, p.value)) else { continue }
            sink.emit(line.metric(name, v, step: lastStep, label: name.rawValue == k.raw ? nil : k.raw))
        }
        return .consumed(step: barStep)
    }

    /// Records a bar's position from a tqdm frame without a description (the Trainer's bars have
    /// none; "Loading checkpoint shards: …" has one).
    private func readBar(_ b: UnsafeRawBufferPointer) {
        guard Bytes.has(b, "it/s]") || Bytes.has(b, "s/it]") else { return }
        var found: (Int, Int)? = nil
        if mBar.matches(b), let n = mBar.int(1), let total = mBar.int(2) { found = (n, total) }
        guard let (n, total) = found else { return }
        lastBar = (n, total)
        if total == barTotal { barStep = n }
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
        ParserExample(name: "a printed config dict is not a train log", path: "logs/train.log", content: """
            {'lr': 0.001, 'batch_size': 8, 'warmup_steps': 100}
            {'loss': 2.5, 'learning_rate': 1e-05, 'epoch': 0.01}
            """, expect: [
                .metric(name: .loss, value: 2.5, step: 1, line: 2),
                .metric(name: .lr, value: 1e-05, step: 1, line: 2),
                .count(metrics: 3),
            ]),
        ParserExample(name: "HF dict glued to a tqdm frame", path: "logs/train.log",
            content: " 10%|█         | 118/1184 [00:21<03:10,  5.52it/s]{'loss': 1.25, 'learning_rate': 2e-05, 'epoch': 0.1}\n",
            expect: [.metric(name: .loss, value: 1.25, step: 118, line: 1), .metric(name: .lr, value: 2e-05)]),
        ParserExample(name: "HF steps from the train bar; eval bars ignored", path: "logs/train.log",
            content: "Loading checkpoint shards: 100%|██████████| 2/2 [00:03<00:00,  1.50s/it]\n  0%|          | 0/300 [00:00<?, ?it/s]\r  3%|▎         | 10/300 [00:30<14:30,  3.00s/it]\n{'loss': 2.5, 'grad_norm': 1.1, 'learning_rate': 1e-05, 'epoch': 0.1}\n\r  3%|▎         | 11/300 [00:33<14:27,  3.00s/it]\r  7%|▋         | 20/300 [01:00<14:00,  3.00s/it]\n\r 50%|█████     | 2/4 [00:01<00:01,  1.50it/s]\n{'eval_loss': 2.4, 'eval_runtime': 3.0, 'epoch': 0.2}\n{'loss': 2.25, 'grad_norm': 0.9, 'learning_rate': 2e-05, 'epoch': 0.2}\nCUDA out of memory. Tried to allocate 1.00 GiB\n",
            expect: [
                .metric(name: .loss, value: 2.5, step: 10, line: 3),
                .metric(name: .evalLoss, value: 2.4, step: 20, line: 6),
                .metric(name: .loss, value: 2.25, step: 20, line: 7),
                .event(kind: .oom, line: 8, step: 20),
                .count(unparsed: 0),
            ]),
    ]) { HFTrainerLogRule() }
}
