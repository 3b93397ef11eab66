import Foundation
import DiagnoseCore
import DiagnoseText

/// lm-eval `--log_samples` files, `samples_<task>_<date>.jsonl` (FORMATS.md D.2): one line per
/// (doc, filter) -> `EvalSample` with correctness from the first listed metric, the raw response,
/// the filtered answer and its generation traits (stop sequences and `max_gen_toks` taken from
/// the request's arguments).
public struct LMEvalSamplesParser: FormatParser {
    public let id = "lm-eval-samples"
    public init() {}
    public var resumable: Bool { true }

    public func sniff(_ head: FileHead) -> Double {
        guard let first = head.lines.first, first.hasPrefix("{") else { return 0 }
        let signals = ["\"doc_id\"", "\"resps\"", "\"filtered_resps\"", "\"arguments\""].filter { first.contains($0) }.count
        if signals >= 3 { return 0.9 }
        if signals >= 2, head.name.hasPrefix("samples_") { return 0.85 }
        return 0
    }

    /// The task from `samples_<task>_<ISO date>.jsonl`.
    static func task(fromPath path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".jsonl") { name.removeLast(6) } else if name.hasSuffix(".json") { name.removeLast(5) }
        if name.hasPrefix("samples_") { name.removeFirst(8) }
        if let r = name.range(of: #"_\d{4}-\d{2}-\d{2}T[\d\-\.:]+$"#, options: .regularExpression) { name.removeSubrange(r) }
        return name
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let fallbackTask = LMEvalSamplesParser.task(fromPath: input.path)
        let stats = try input.reader().forEach { view in
            guard view.frame == 0 else { return }
            defer { sink.safePoint(nextOffset: view.offset + Int64(view.bytes.count) + 1, linesDone: view.number) }
            if view.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            let v: JSONValue
            do { v = try JSONParser.parse(view.bytes) } catch {
                sink.problem(line: view.number, "malformed sample line: \(error)")
                sink.unparsed(line: view.number)
                return
            }
            guard let sample = LMEvalSamplesParser.sample(v, task: fallbackTask, line: view.number) else {
                sink.unparsed(line: view.number)
                return
            }
            sink.emit(sample)
        }
        sink.progress(lines: stats.lines, truncated: stats.truncatedLines)
    }

    static func sample(_ v: JSONValue, task: String, line: Int) -> EvalSample? {
        guard let docID = v["doc_id"] else { return nil }
        let id = docID.string ?? docID.double.map { ConfigValue.format($0) } ?? "?"
        let filter = v["filter"]?.string
        let response = firstString(v["resps"])
        let extracted = firstString(v["filtered_resps"])
        let (stops, maxTokens) = genKwargs(v["arguments"])
        var correct: Bool? = nil
        if let metrics = v["metrics"]?.arrayValue {
            for m in metrics {
                guard let name = m.string, let x = v[name] else { continue }
                if case .bool(let b) = x { correct = b; break }
                if case .number(let d) = x { correct = d >= 0.5; break }
            }
        }
        let isGenerative = response != nil
        let traits = GenerationTraits.classify(response: response, extracted: extracted, maxTokens: maxTokens, stops: stops,
                                               extractionApplies: isGenerative && correct != true, correct: correct)
        let target = v["target"].flatMap { t -> String? in t.string ?? t.double.map { ConfigValue.format($0) } }
        let docKey = filter.map { "\(id)#\($0)" } ?? id
        return EvalSample(task: task, docID: docKey, correct: correct, traits: traits, target: target.map { cap($0) },
                          response: response.map { cap($0) }, extracted: extracted.map { cap($0) }, line: line)
    }

    /// The first string in a nested list (`[["text"]]`); nil for log-likelihood pairs.
    static func firstString(_ v: JSONValue?) -> String? {
        var cur = v
        for _ in 0..<4 {
            switch cur {
            case .string(let s)?: return s
            case .array(let a)? where !a.isEmpty: cur = a[0]
            default: return nil
            }
        }
        return nil
    }

    /// `until` and `max_gen_toks` from the request arguments: `[[ctx, {…}]]` (older) or
    /// `{"gen_args_0": {"arg_0": ctx, "arg_1": {…}}}` (newer).
    static func genKwargs(_ args: JSONValue?) -> ([String], Int?) {
        var found: JSONValue? = nil
        func walk(_ v: JSONValue, _ depth: Int) {
            guard found == nil, depth < 4 else { return }
            switch v {
            case .object(let o):
                if o.contains(where: { $0.0 == "until" || $0.0 == "max_gen_toks" }) { found = v; return }
                for (_, c) in o { walk(c, depth + 1) }
            case .array(let a): for c in a { walk(c, depth + 1) }
            default: break
            }
        }
        if let args { walk(args, 0) }
        guard let g = found else { return ([], nil) }
        var stops: [String] = []
        if let u = g["until"] {
            if let s = u.string { stops = [s] } else { stops = u.arrayValue?.compactMap(\.string) ?? [] }
        }
        return (stops, g["max_gen_toks"]?.double.map { Int($0) })
    }

    static func cap(_ s: String, limit: Int = 4096) -> String {
        s.utf8.count <= limit ? s : String(decoding: Array(s.utf8.prefix(limit)), as: UTF8.self) + "…"
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "gsm8k --log_samples lines", path: "eval/org__model/samples_gsm8k_2026-11-03T08-00-00.123456.jsonl", content: #"""
        {"doc_id": 0, "doc": {"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "answer": "Natalia sold 48/2 = 24 clips in May.\n#### 72"}, "target": "72", "arguments": {"gen_args_0": {"arg_0": "Question: ...\nAnswer:", "arg_1": {"until": ["Question:", "</s>", "<|im_end|>"], "do_sample": false, "max_gen_toks": 256}}}, "resps": [["Natalia sold 48/2 = 24 clips in May. 48 + 24 = 72.\n#### 72"]], "filtered_resps": ["72"], "filter": "strict-match", "metrics": ["exact_match"], "doc_hash": "a1", "prompt_hash": "b2", "target_hash": "c3", "exact_match": 1.0}
        {"doc_id": 1, "doc": {"question": "q"}, "target": "10", "arguments": {"gen_args_0": {"arg_0": "Question: ...\nAnswer:", "arg_1": {"until": ["Question:"], "max_gen_toks": 256}}}, "resps": [["She earns 10 dollars. The answer is 10.<|im_end|>\nQuestion: What is 2+2?"]], "filtered_resps": ["[invalid]"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 0.0}
        {"doc_id": 2, "doc": {"question": "q"}, "target": "5", "arguments": [["Question: ...\nAnswer:", {"until": ["\n\n"], "max_gen_toks": 256}]], "resps": [["   "]], "filtered_resps": ["[invalid]"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 0.0}
        """#, expect: [.evalSample(task: "gsm8k", docID: "0#strict-match", correct: true),
                       .evalSample(task: "gsm8k", docID: "1#strict-match", correct: false, trait: .specialTokens),
                       .evalSample(task: "gsm8k", docID: "1#strict-match", correct: false, trait: .ranOn),
                       .evalSample(task: "gsm8k", docID: "1#strict-match", correct: false, trait: .extractionInvalid),
                       .evalSample(task: "gsm8k", docID: "2#strict-match", correct: false, trait: .empty)])]
    }
}
