import Foundation

/// A grade-school math item (gsm8k-like): question, worked solution ending in `#### N`.
struct MathDoc {
    var id: Int
    var question: String
    var steps: [String]
    var answer: Int
    var wrongSteps: [String]
    var wrongAnswer: Int
    var solution: String { (steps + ["#### \(answer)"]).joined(separator: "\n") }
}

enum MathBank {
    static let names = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Ken", "Alexis", "Tina", "Mark", "Rosa", "Omar"]
    static let items = ["apples", "stickers", "marbles", "books", "cookies", "pencils", "cards", "shells"]

    static func doc(_ id: Int, salt: UInt64) -> MathDoc {
        var r = SeededRNG(seed: stableHash("doc-\(id)") ^ salt)
        let n = r.pick(names), it = r.pick(items)
        let slip = r.int(1...3) * (r.chance(0.5) ? 1 : -1)
        switch r.int(0...2) {
        case 0:
            let a = r.int(12...90), b = r.int(5...60), c = r.int(3...30)
            let s = a + b, res = s - c
            return MathDoc(id: id, question: "\(n) has \(a) \(it). She buys \(b) more and then gives \(c) to a friend. How many \(it) does \(n) have now?",
                           steps: ["\(n) starts with \(a) \(it). After buying \(b) more she has \(a) + \(b) = \(s) \(it).", "After giving away \(c) she has \(s) - \(c) = \(res) \(it)."],
                           answer: res,
                           wrongSteps: ["\(n) starts with \(a) \(it). After buying \(b) more she has \(a) + \(b) = \(s + slip) \(it).", "After giving away \(c) she has \(s + slip) - \(c) = \(res + slip) \(it)."],
                           wrongAnswer: res + slip)
        case 1:
            let a = r.int(6...24), b = r.int(3...15)
            return MathDoc(id: id, question: "A box holds \(a) \(it). How many \(it) are in \(b) boxes?",
                           steps: ["Each box holds \(a) \(it), so \(b) boxes hold \(a) * \(b) = \(a * b) \(it)."], answer: a * b,
                           wrongSteps: ["Each box holds \(a) \(it), so \(b) boxes hold \(a) * \(b) = \(a * b + slip * 2) \(it)."], wrongAnswer: a * b + slip * 2)
        default:
            let a = r.int(8...30), b = r.int(2...9), c = r.int(5...40)
            return MathDoc(id: id, question: "\(n) earns $\(a) per hour and works \(b) hours. She then spends $\(c). How much money does she have left?",
                           steps: ["\(n) earns \(a) * \(b) = $\(a * b).", "After spending $\(c) she has \(a * b) - \(c) = $\(a * b - c) left."], answer: a * b - c,
                           wrongSteps: ["\(n) earns \(a) * \(b) = $\(a * b + slip).", "After spending $\(c) she has \(a * b + slip) - \(c) = $\(a * b - c + slip) left."], wrongAnswer: a * b - c + slip)
        }
    }
}

/// How prompts are rendered into the model's context.
enum ChatStyle: String { case none, llama3, chatml, mistral, llama3NoGenPrompt }

/// The evaluation as configured: what an eval harness reads from its config and the model's files.
struct EvalSetup {
    var checkpoint: String
    var step: Int
    var chat = ChatStyle.none
    var nativeChat = ChatStyle.llama3
    var fewshot = 3
    var until = ["Question:", "</s>", "<|im_end|>"]
    var maxGenToks = 256
    var strictRegex = "#### (\\-?[0-9\\.\\,]+)"
    var flexRegex = "(-?[$0-9.,]{2,})|(-?[0-9]+)"
    var eosHonored = true
    var docToText = "Question: {{question}}\nAnswer:"
    var temperature = "0"
    var mcFewshot = 5
}

/// One generated answer, as lm-eval logs it.
struct Generation {
    var doc: MathDoc
    var context: String
    var raw: String
    var strict: String
    var flex: String
    var strictOK: Bool
    var flexOK: Bool
    var truncated: Bool
}

/// Simulates a model answering, from its skill at a checkpoint and how the context was rendered,
/// then applies stop sequences, the length limit and the answer filters as lm-eval does.
enum EvalSim {
    /// Accuracy on gsm8k-like items as training proceeds.
    static func skill(step: Int, ceiling: Double) -> Double { 0.08 + (ceiling - 0.08) * (1 - exp(-Double(step) / 3000)) }

    static func fewshotDocs(_ n: Int) -> [MathDoc] { (0..<n).map { MathBank.doc(10_000 + $0, salt: 77) } }

    static func render(_ style: ChatStyle, turns: [(String, String)], final: String, docToText: String) -> String {
        func q(_ s: String) -> String { docToText.replacingOccurrences(of: "{{question}}", with: s) }
        switch style {
        case .none:
            return (turns.map { q($0.0) + " " + $0.1 + "\n\n" }.joined()) + q(final)
        case .llama3, .llama3NoGenPrompt:
            var s = "<|begin_of_text|>"
            for (u, a) in turns { s += "<|start_header_id|>user<|end_header_id|>\n\n\(q(u))<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n\(a)<|eot_id|>" }
            s += "<|start_header_id|>user<|end_header_id|>\n\n\(q(final))<|eot_id|>"
            if style == .llama3 { s += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
            return s
        case .chatml:
            var s = ""
            for (u, a) in turns { s += "<|im_start|>user\n\(q(u))<|im_end|>\n<|im_start|>assistant\n\(a)<|im_end|>\n" }
            return s + "<|im_start|>user\n\(q(final))<|im_end|>\n<|im_start|>assistant\n"
        case .mistral:
            var s = "<s>"
            for (u, a) in turns { s += "[INST] \(q(u)) [/INST]\(a)</s>" }
            return s + "[INST] \(q(final)) [/INST]"
        }
    }

    static func firstMatch(_ pattern: String, _ s: String, last: Bool) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        return firstMatch(re, s, last: last)
    }

    static func firstMatch(_ re: NSRegularExpression, _ s: String, last: Bool) -> String? {
        let ms = re.matches(in: s, range: NSRange(s.startIndex..., in: s))
        guard let m = last ? ms.last : ms.first else { return nil }
        for g in 1..<max(2, m.numberOfRanges) {
            if m.numberOfRanges > g, let r = Range(m.range(at: g), in: s) { return String(s[r]) }
        }
        if let r = Range(m.range, in: s) { return String(s[r]) }
        return nil
    }

    /// lm-eval gsm8k exact_match normalisation (regexes_to_ignore, ignore_case).
    static func normalise(_ s: String, _ res: [NSRegularExpression]) -> String {
        var t = s
        for re in res { t = re.stringByReplacingMatches(in: t, range: NSRange(t.startIndex..., in: t), withTemplate: "") }
        return t.lowercased().trimmingCharacters(in: .whitespaces)
    }

    static func generate(_ setup: EvalSetup, ceiling: Double, docs: [MathDoc], salt: String) -> [Generation] {
        let shots = fewshotDocs(setup.fewshot)
        let mismatch = setup.chat != .none && setup.chat != setup.nativeChat
        var p = skill(step: setup.step, ceiling: ceiling) * (0.78 + 0.045 * Double(min(setup.fewshot, 5)))
        if mismatch { p *= 0.45 }
        if setup.docToText != "Question: {{question}}\nAnswer:" { p *= 0.82 }
        let ignore = [",", "\\$", "(?s).*#### ", "\\.$"].compactMap { try? NSRegularExpression(pattern: $0) }
        let strictRE = try? NSRegularExpression(pattern: setup.strictRegex), flexRE = try? NSRegularExpression(pattern: setup.flexRegex)
        return docs.map { d in
            let ctx = render(setup.chat, turns: shots.map { ($0.question, $0.solution) }, final: d.question, docToText: setup.docToText)
            var r = SeededRNG(seed: stableHash("\(d.id)|\(salt)"))
            let correct = r.unit() < p
            var text = (correct ? d.steps : d.wrongSteps).joined(separator: "\n") + "\n#### \(correct ? d.answer : d.wrongAnswer)"
            if mismatch {
                switch setup.chat {
                case .chatml: text = "<|im_start|>assistant\n" + text + "<|im_end|>"
                case .mistral: text = "[/INST] " + text
                case .llama3NoGenPrompt: text = "assistant\n\n" + text
                default: break
                }
                if r.chance(0.3) { text = text.replacingOccurrences(of: "\n####", with: "\nThe answer is") }
            }
            // what the model emits after its answer
            let nextQ = MathBank.doc(d.id + 500, salt: 5)
            let runOn: String
            if setup.chat == .none {
                runOn = "\n\nQuestion: \(nextQ.question)\nAnswer: \(nextQ.solution)"
            } else if setup.eosHonored {
                runOn = ""
            } else {
                runOn = "assistant\n\nLet me double-check: \(nextQ.steps[0]) So the final answer is \(nextQ.answer)."
            }
            var raw = text + runOn
            for u in setup.until { if let rg = raw.range(of: u) { raw = String(raw[..<rg.lowerBound]) } }
            let (cut, truncated) = truncate(raw, tokens: setup.maxGenToks)
            raw = cut
            let strict = strictRE.flatMap { firstMatch($0, raw, last: false) } ?? "[invalid]"
            let flex = flexRE.flatMap { firstMatch($0, raw, last: true) } ?? "[invalid]"
            let target = normalise(d.solution, ignore)
            return Generation(doc: d, context: ctx, raw: raw, strict: strict, flex: flex,
                              strictOK: normalise(strict, ignore) == target, flexOK: normalise(flex, ignore) == target, truncated: truncated)
        }
    }

    /// Per-sample correctness on a multiple-choice task, from the same checkpoint skill.
    static func multipleChoice(_ setup: EvalSetup, task: String, n: Int, ceiling: Double, floor: Double) -> (acc: Double, accNorm: Double) {
        var p = floor + (ceiling - floor) * (1 - exp(-Double(setup.step) / 2500))
        p = floor + (p - floor) * (0.6 + 0.08 * Double(min(setup.mcFewshot, 5)))
        if setup.chat != .none && setup.chat != setup.nativeChat { p = floor + (p - floor) * 0.55 }
        var r = SeededRNG(seed: stableHash("\(task)|items"))
        var a = 0, an = 0
        for _ in 0..<n {
            let u = r.unit()
            if u < p { a += 1 }
            if u < p + 0.025 { an += 1 }
        }
        return (Double(a) / Double(n), Double(an) / Double(n))
    }

    /// Cuts text to about `tokens` tokens (3.5 characters each), at a character boundary.
    static func truncate(_ s: String, tokens: Int) -> (String, Bool) {
        let limit = Int(Double(tokens) * 3.5)
        guard s.count > limit else { return (s, false) }
        return (String(s.prefix(limit)), true)
    }

    static func stderr(_ p: Double, _ n: Int) -> Double { n > 1 ? (p * (1 - p) / Double(n - 1)).squareRoot() : 0 }
}
