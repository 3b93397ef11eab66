import DiagnoseCore
import DiagnoseText

/// Tokenizer/model disagreements (TAXONOMY `tokenizer-mismatch`): missing pad token, embedding
/// index errors (`index out of range in self`, the CUDA `srcIndex < srcSelectSize` assert), and
/// vocab-size mismatches (state-dict size mismatch on an embedding/output matrix, explicit
/// vocab size messages, a slow tokenizer's "Non-consecutive added token" assert, sentencepiece's
/// "piece id is out of range", a server's "Token id N is out of vocabulary").
final class TokenizerRule: LineRule {
    let keywords = ["padding token", "index out of range in self", "srcIndex < srcSelect", "vocab", "Vocab",
                    "size mismatch for", "Non-consecutive added token", "piece id is out of range",
                    "out of vocabulary", "pad_token, but it is not set"]
    private static let pad = Rx.make(#"does not have a padding token|has no pad(?:ding)? token|pad_token(?:_id)? is not set|Using pad_token, but it is not set yet|no padding token is defined"#)
    private static let index = Rx.make(#"index out of range in self|srcIndex < srcSelect\w*Size|indexSelect\w*Kernel.*Assertion"#)
    private static let vocab = Rx.make(
        #"(?i)size mismatch for \S*(?:embed|wte|word_embeddings|lm_head|output_layer|tok_embeddings)\S*:|vocab(?:ulary)?[ _]size[^\n]{0,80}(?:mismatch|does not match|doesn't match|!=|differs|not equal)|(?:mismatch|does not match)[^\n]{0,40}vocab|Non-consecutive added token|piece id is out of range|[Tt]oken id \d+ is out of vocabulary"#)
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
            ../aten/src/ATen/native/cuda/Indexing.cu:1289: indexSelectLargeIndex: block: [214,0,0], thread: [64,0,0] Assertion `srcIndex < srcSelectDimSize` failed.
            	size mismatch for model.embed_tokens.weight: copying a param with shape torch.Size([32001, 4096]) from checkpoint, the shape in current model is torch.Size([32000, 4096]).
            vocab size mismatch: tokenizer has 32001 tokens, model vocab_size is 32000
            Loading vocab file vocab.json
            AssertionError: Non-consecutive added token '<|im_start|>' found. Should have index 50257 but has index 50258 in saved vocabulary.
            IndexError: piece id is out of range.
            ValueError: Token id 151665 is out of vocabulary
            Using pad_token, but it is not set yet.
            """, expect: [
                .event(kind: .tokenizerError, line: 1), .event(kind: .indexError, line: 2),
                .event(kind: .indexError, line: 3), .event(kind: .indexError, line: 4),
                .event(kind: .tokenizerError, line: 5), .event(kind: .tokenizerError, line: 6),
                .event(kind: .tokenizerError, line: 8), .event(kind: .tokenizerError, line: 9),
                .event(kind: .tokenizerError, line: 10), .event(kind: .tokenizerError, line: 11), .count(events: 10),
            ]),
    ]) { TokenizerRule() }
}
