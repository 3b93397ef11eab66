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

/// Explicit NaN/Inf detections printed by trainers and guards: `Loss is NaN`, `detected inf or
/// nan`, `nan loss detected`, `loss is not finite`, `Non-finite loss`, `NaN or Inf found in input
/// tensor`, `gradients contain nan`.
final class NaNDetectRule: LineRule {
    let keywords = ["NaN", "nan", "Nan", "NAN", "finite", "Inf "]
    private static let pattern = Rx.make(
        #"(?i)\b(?:loss|gradients?|grads?|grad norm|outputs?|logits|activations?)\s+(?:is|are|was|were|became|has become|contains?|has)\s+(?:a\s+)?(?:nan|inf|non-finite|not finite|infinite)\b|\bdetected\s+(?:an?\s+)?(?:inf(?:/| or )nan|nan(?:/| or )inf|nan|non-finite)\b|\b(?:nan|inf|non-finite)\s+(?:loss|gradients?|grads?|values?)\s+(?:detected|found|encountered)|\bnan or inf found\b|\breturned nan values\b|\bnon-finite loss\b|\bencountered (?:a )?nan\b"#)
    private let m = NaNDetectRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload) else { return .pass }
        sink.emit(line.event(.nanDetected, .error))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "nan-detected", examples: [
        ParserExample(name: "NaN/Inf detections", path: "logs/train.log", content: """
            Loss is NaN, stopping training
            RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.
            WARNING: detected inf or nan in gradients at step 1200, skipping
            nan loss detected at iteration 3400
            ValueError: Non-finite loss at step 10
            tenant quota is fine
            """, expect: [
                .event(kind: .nanDetected, line: 1), .event(kind: .nanDetected, line: 2), .event(kind: .nanDetected, line: 3),
                .event(kind: .nanDetected, line: 4), .event(kind: .nanDetected, line: 5),
                .count(events: 5),
            ]),
    ]) { NaNDetectRule() }
}

/// Tokenizer/model disagreements (TAXONOMY `tokenizer-mismatch`): missing pad token, embedding
/// index errors (`index out of range in self`, the CUDA `srcIndex < srcSelectSize` assert), and
/// vocab-size mismatches (state-dict size mismatch on an embedding/output matrix, explicit
/// vocab size messages).
final class TokenizerRule: LineRule {
    let keywords = ["padding token", "index out of range in self", "srcIndex < srcSelectSize", "vocab", "Vocab",
                    "size mismatch for"]
    private static let pad = Rx.make(#"does not have a padding token|has no pad(?:ding)? token|pad_token(?:_id)? is not set"#)
    private static let index = Rx.make(#"index out of range in self|srcIndex < srcSelectSize|indexSelect\w*Kernel.*Assertion"#)
    private static let vocab = Rx.make(
        #"(?i)size mismatch for \S*(?:embed|wte|word_embeddings|lm_head|output_layer|tok_embeddings)\S*:|vocab(?:ulary)?[ _]size[^\n]{0,80}(?:mismatch|does not match|doesn't match|!=|differs|not equal)|(?:mismatch|does not match)[^\n]{0,40}vocab"#)
    private let mPad = TokenizerRule.pad.matcher()
    private let mIndex = TokenizerRule.index.matcher()
    private let mVocab = TokenizerRule.vocab.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if mIndex.matches(b) {
            sink.emit(line.event(.indexError, .error))
            return .consumed(step: nil)
        }
        if mPad.matches(b) || mVocab.matches(b) {
            sink.emit(line.event(.tokenizerError, .error))
            return .consumed(step: nil)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "tokenizer", examples: [
        ParserExample(name: "tokenizer and index errors", path: "logs/train.log", content: """
            ValueError: Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`.
            IndexError: index out of range in self
            ../aten/src/ATen/native/cuda/Indexing.cu:1290: indexSelectLargeIndex: block: [0,0,0], thread: [0,0,0] Assertion `srcIndex < srcSelectSize` failed.
            	size mismatch for model.embed_tokens.weight: copying a param with shape torch.Size([32001, 4096]) from checkpoint, the shape in current model is torch.Size([32000, 4096]).
            vocab size mismatch: tokenizer has 32001 tokens, model vocab_size is 32000
            Loading vocab file vocab.json
            """, expect: [
                .event(kind: .tokenizerError, line: 1), .event(kind: .indexError, line: 2),
                .event(kind: .indexError, line: 3), .event(kind: .tokenizerError, line: 4),
                .event(kind: .tokenizerError, line: 5), .count(events: 5),
            ]),
    ]) { TokenizerRule() }
}

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
