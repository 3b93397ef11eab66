import Foundation
import DiagnoseCore

/// Classifies what a generation looked like (`GenerationTrait`), so failing samples can be
/// clustered by shape: empty, cut at the length limit, leaked special tokens, ran on past the
/// answer, answer present but not extracted, stopped before answering.
public enum GenerationTraits {
    /// Special and role tokens of common chat templates; seen in an output they mean a template leak.
    public static let specialTokens = [
        "<|im_end|>", "<|im_start|>", "<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
        "<|endoftext|>", "</s>", "<s>", "<|assistant|>", "<|user|>", "<|system|>", "<|end|>", "[INST]", "[/INST]",
        "<start_of_turn>", "<end_of_turn>", "<|begin_of_text|>", "<eos>", "<bos>",
    ]

    /// Markers of a new turn or question after the answer.
    public static let runOnMarkers = [
        "\nQuestion:", "\nQ:", "\nProblem:", "\nUser:", "\nHuman:", "\nAssistant:", "\n### Instruction", "\n### Question",
        "\nuser\n", "\nassistant\n", "\n\nInput:",
    ]

    /// True when `marker` occurs after some non-blank text (a response that starts with it has not run on).
    static func occursAfterContent(_ marker: String, in s: String) -> Bool {
        var from = s.startIndex
        while let r = s.range(of: marker, range: from..<s.endIndex) {
            if !s[..<r.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
            from = r.upperBound
        }
        return false
    }

    /// Answer extraction results that mean "nothing extracted".
    static func isInvalid(_ s: String?) -> Bool {
        guard let s else { return true }
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty || t == "[invalid]" || t == "[no answer]" || t.lowercased() == "none"
    }

    /// True when a text holds something answer-like: a number, `####`, "answer is", or a lone choice letter.
    static func hasPlausibleAnswer(_ s: String) -> Bool {
        if s.contains(where: { $0.isNumber }) { return true }
        let l = s.lowercased()
        if l.contains("####") || l.contains("answer is") || l.contains("answer:") { return true }
        let words = s.split(whereSeparator: { !$0.isLetter })
        return words.contains { $0.count == 1 && "ABCDE".contains($0) }
    }

    /// The traits of one response.
    /// - Parameters:
    ///   - finishReason: `length`/`max_tokens` means cut at the limit.
    ///   - maxTokens: the generation limit where known (tokens estimated at 4 characters).
    ///   - stops: the stop sequences in force, if known.
    public static func classify(response: String?, extracted: String?, finishReason: String? = nil, maxTokens: Int? = nil,
                                stops: [String] = [], extractionApplies: Bool = true) -> [GenerationTrait] {
        guard let response else { return [] }
        var traits: Set<GenerationTrait> = []
        let trimmed = response.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [.empty] }
        if specialTokens.contains(where: { response.contains($0) }) { traits.insert(.specialTokens) }
        let realStops = stops.filter { !$0.isEmpty && $0 != "\n" && $0 != "\n\n" }
        if (runOnMarkers + realStops).contains(where: { occursAfterContent($0, in: response) }) { traits.insert(.ranOn) }
        var truncated = false
        if let f = finishReason?.lowercased(), f == "length" || f == "max_tokens" || f == "model_length" { truncated = true }
        if let m = maxTokens, m > 0 {
            let estimate = Double(response.count) / 4
            let last = trimmed.last!
            if estimate >= 0.85 * Double(m), !".!?)]}\"'".contains(last) { truncated = true }
        }
        if truncated { traits.insert(.truncated) }
        if extractionApplies, isInvalid(extracted) {
            if hasPlausibleAnswer(response) { traits.insert(.extractionInvalid) } else if !truncated { traits.insert(.stoppedEarly) }
        }
        return traits.sorted()
    }
}
