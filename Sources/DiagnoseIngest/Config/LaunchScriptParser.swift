import Foundation
import DiagnoseCore
import DiagnoseText

/// Serving launch commands in shell scripts: `vllm serve <model> --flag value …`,
/// `python -m vllm.entrypoints.openai.api_server …`, `python -m sglang.launch_server …`.
/// Flags become `.serving` entries with underscored keys (`--no-x` -> `x = false`, a bare flag ->
/// `true`); `VAR=value` and `export VAR=value` become `env.VAR`.
public struct LaunchScriptParser: FormatParser {
    public let id = "serving-launch"
    public init() {}

    static let markers = ["vllm serve", "vllm.entrypoints", "sglang.launch_server", "sglang serve"]

    public func sniff(_ head: FileHead) -> Double {
        let scriptLike = ["sh", "bash", "zsh", "cmd", "command"].contains(head.ext)
            || head.text.hasPrefix("#!") || (head.ext == "txt" && (head.name.contains("launch") || head.name.contains("serve")
            || head.name.contains("cmdline") || head.name.contains("command")))
        guard scriptLike, head.size < 1 << 20 else { return 0 }
        return LaunchScriptParser.markers.contains { head.text.contains($0) } ? 0.8 : 0
    }

    struct Word { var text: String; var line: Int }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        let text = String(decoding: bytes, as: UTF8.self)
        sink.progress(lines: bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + (bytes.last == 0x0A || bytes.isEmpty ? 0 : 1))
        var commands = 0
        var env: [FlatEntry] = []
        for statement in LaunchScriptParser.statements(text) {
            var words = statement
            if words.first?.text == "export" {
                words.removeFirst()
                for w in words { if let e = LaunchScriptParser.assignment(w) { env.append(e) } }
                continue
            }
            guard let start = LaunchScriptParser.commandStart(words) else { continue }
            for w in words[..<start.index] { if let e = LaunchScriptParser.assignment(w) { env.append(e) } }
            commands += 1
            let document = commands == 1 ? "" : "command\(commands)"
            var entries: [FlatEntry] = [FlatEntry(key: "engine", value: .string(start.engine), line: words[start.index].line)]
            entries += LaunchScriptParser.flags(Array(words[start.argsFrom...]), positionalKey: start.positionalKey)
            ConfigSupport.emit(entries, document: document, kind: .serving, into: sink)
        }
        ConfigSupport.emit(env, kind: .serving, into: sink)
        if commands == 0 { sink.problem(line: nil, "no vLLM/SGLang launch command found") }
    }

    /// Shell statements as words with their lines: `\`-continuations joined, comments dropped,
    /// split at `;`, `&&`, `||`, `|` and newlines.
    static func statements(_ text: String) -> [[Word]] {
        var out: [[Word]] = []
        var cur: [Word] = []
        var word = ""
        var wordLine = 1
        var inWord = false
        var line = 1
        var quote: Character? = nil
        let chars = Array(text)
        var i = 0
        func endWord() {
            if inWord { cur.append(Word(text: word, line: wordLine)) }
            word = ""; inWord = false
        }
        func endStatement() { endWord(); if !cur.isEmpty { out.append(cur) }; cur = [] }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" && i + 1 < chars.count { i += 1; word.append(chars[i]) } else {
                    if c == "\n" { line += 1 }
                    word.append(c)
                }
                i += 1; continue
            }
            switch c {
            case "\\":
                if i + 1 < chars.count, chars[i + 1] == "\n" { line += 1; i += 2; endWord(); continue }
                if i + 2 < chars.count, chars[i + 1] == "\r", chars[i + 2] == "\n" { line += 1; i += 3; endWord(); continue }
                if i + 1 < chars.count { if !inWord { inWord = true; wordLine = line }; word.append(chars[i + 1]); i += 2; continue }
                i += 1
            case "\"", "'":
                if !inWord { inWord = true; wordLine = line }
                quote = c; i += 1
            case "#" where !inWord:
                while i < chars.count, chars[i] != "\n" { i += 1 }
            case "\n", ";":
                endStatement(); if c == "\n" { line += 1 }; i += 1
            case "&", "|":
                endStatement()
                while i < chars.count, chars[i] == "&" || chars[i] == "|" { i += 1 }
            case " ", "\t", "\r":
                endWord(); i += 1
            default:
                if !inWord { inWord = true; wordLine = line }
                word.append(c); i += 1
            }
        }
        endStatement()
        return out
    }

    struct Start { var index: Int; var argsFrom: Int; var engine: String; var positionalKey: String? }

    static func commandStart(_ w: [Word]) -> Start? {
        for (i, word) in w.enumerated() {
            let t = word.text
            let base = t.split(separator: "/").last.map(String.init) ?? t
            if base == "vllm", i + 1 < w.count, w[i + 1].text == "serve" {
                return Start(index: i, argsFrom: i + 2, engine: "vllm", positionalKey: "model")
            }
            if base == "sglang", i + 1 < w.count, w[i + 1].text == "serve" {
                return Start(index: i, argsFrom: i + 2, engine: "sglang", positionalKey: nil)
            }
            if t.hasPrefix("vllm.entrypoints") { return Start(index: i, argsFrom: i + 1, engine: "vllm", positionalKey: nil) }
            if t.hasPrefix("sglang.launch_server") || t.hasPrefix("sglang_router.launch_server") {
                return Start(index: i, argsFrom: i + 1, engine: "sglang", positionalKey: nil)
            }
        }
        return nil
    }

    static func assignment(_ w: Word) -> FlatEntry? {
        guard let eq = w.text.firstIndex(of: "="), eq != w.text.startIndex else { return nil }
        let name = String(w.text[..<eq])
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return FlatEntry(key: "env.\(name)", value: ConfigSupport.typedScalar(String(w.text[w.text.index(after: eq)...])), line: w.line)
    }

    static func flags(_ words: [Word], positionalKey: String?) -> [FlatEntry] {
        var out: [FlatEntry] = []
        var i = 0
        var positionalTaken = false
        while i < words.count {
            let t = words[i].text
            if t.hasPrefix(">") || t.hasPrefix("2>") || t.hasPrefix("1>") { break }
            if LaunchScriptParser.isFlag(t) {
                let flagLine = words[i].line
                var name = String(t.drop(while: { $0 == "-" }))
                var value: ConfigValue
                if let eq = name.firstIndex(of: "=") {
                    value = ConfigSupport.typedScalar(String(name[name.index(after: eq)...]))
                    name = String(name[..<eq])
                    i += 1
                } else if i + 1 < words.count, !LaunchScriptParser.isFlag(words[i + 1].text) {
                    // Several values (`--served-model-name a b`) are joined with a space.
                    var values: [String] = []
                    var j = i + 1
                    while j < words.count, !LaunchScriptParser.isFlag(words[j].text), !words[j].text.hasPrefix(">") {
                        values.append(words[j].text); j += 1
                    }
                    value = values.count == 1 ? ConfigSupport.typedScalar(values[0]) : .string(values.joined(separator: " "))
                    i = j
                } else {
                    value = .bool(true)
                    i += 1
                }
                var key = name.replacingOccurrences(of: "-", with: "_")
                if key.hasPrefix("no_"), case .bool(true) = value {
                    key.removeFirst(3)
                    value = .bool(false)
                }
                out.append(FlatEntry(key: key, value: value, line: flagLine))
                continue
            }
            if let pk = positionalKey, !positionalTaken {
                out.append(FlatEntry(key: pk, value: .string(t), line: words[i].line))
                positionalTaken = true
            }
            i += 1
        }
        return out
    }

    static func isFlag(_ t: String) -> Bool {
        t.hasPrefix("--") || (t.hasPrefix("-") && t.count == 2 && !(t.last?.isNumber ?? false))
    }

    public var examples: [ParserExample] {
        [
            ParserExample(name: "vllm serve launch script", path: "serving/launch.sh", content: """
            #!/bin/bash
            export VLLM_USE_V1=1
            CUDA_VISIBLE_DEVICES=0,1 vllm serve meta-llama/Llama-3.1-8B-Instruct \\
              --enable-prefix-caching \\
              --gpu-memory-utilization 0.9 \\
              --max-num-seqs=256 \\
              --served-model-name llama \\
              --port 8000
            """, expect: [.config(key: "model", value: .string("meta-llama/Llama-3.1-8B-Instruct")),
                          .config(key: "enable_prefix_caching", value: .bool(true)),
                          .config(key: "gpu_memory_utilization", value: .number(0.9)),
                          .config(key: "max_num_seqs", value: .number(256)),
                          .config(key: "env.VLLM_USE_V1", value: .number(1))]),
            ParserExample(name: "sglang launch_server", path: "serve_sglang.sh", content: """
            python -m sglang.launch_server --model-path Qwen/Qwen2.5-7B-Instruct --tp 2 --mem-fraction-static 0.85 --disable-radix-cache --port 30000
            """, expect: [.config(key: "model_path", value: .string("Qwen/Qwen2.5-7B-Instruct")),
                          .config(key: "disable_radix_cache", value: .bool(true)),
                          .config(key: "mem_fraction_static", value: .number(0.85))]),
        ]
    }
}
